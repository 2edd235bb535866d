package dev.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link DurableFile} for one UEFI variable in efivarfs: the file is 4 attribute bytes followed by the data.
 *
 * <p>efivarfs allows neither temporary files nor renames: the kernel turns each {@code write()} of attributes
 * plus data into one firmware SetVariable call, which replaces the variable atomically (the firmware's job on
 * power loss), so a replace is exactly one write of the whole content, without {@code O_TRUNC}, and deleting the
 * file deletes the variable. efivarfs has no fsync. In an ordinary directory (tests, a copy of the variables)
 * the same write is followed by a truncate to the new length and an fsync, which efivarfs would not need.
 */
final class EfiVariableFile extends FileOnDisk {

    EfiVariableFile(Path path) {
        super(path);
    }

    @Override
    public void replace(byte[] content) throws IOException {
        boolean efivarfs = onEfivarfs(path.getParent());
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            // write(), not pwrite(): efivarfs files need not support positional I/O; a fresh channel is at 0.
            int n = ch.write(buf);
            if (buf.hasRemaining()) {
                // A second write() would be a second SetVariable with half the data: refuse rather than corrupt.
                throw new IOException("short write to " + path + " (" + n + " of " + content.length + " bytes)");
            }
            if (!efivarfs) {
                if (ch.size() > content.length) {
                    ch.truncate(content.length);
                }
                ch.force(true);
            }
        }
        if (!efivarfs) {
            syncDirectory(path.getParent());
        }
    }

    @Override
    public void delete() throws IOException {
        if (Files.deleteIfExists(path) && !onEfivarfs(path.getParent())) {
            syncDirectory(path.getParent());
        }
    }

    private static boolean onEfivarfs(Path dir) {
        try {
            return "efivarfs".equals(Files.getFileStore(dir).type());
        } catch (IOException e) {
            return false;
        }
    }
}
