package dev.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** {@link DurableFile} on a POSIX file system: temp file, fsync, rename, fsync directory. */
final class AtomicReplaceFile extends FileOnDisk {

    /** How a file or directory is opened; tests record what is done with the channel (its fsyncs). */
    interface Channels {
        FileChannel open(Path path, OpenOption... options) throws IOException;
    }

    private final Channels channels;

    AtomicReplaceFile(Path path) {
        this(path, FileChannel::open);
    }

    /** Tests: {@code channels} sees every channel opened, so that a test can observe the fsyncs. */
    AtomicReplaceFile(Path path, Channels channels) {
        super(path);
        this.channels = channels;
    }

    @Override
    public void replace(byte[] content) throws IOException {
        Path dir = path.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + path.getFileName() + ".tmp");
        try (FileChannel ch = channels.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            // The data must be on disk before the rename makes it visible, or a power cut can leave
            // the new name pointing at an empty file.
            ch.force(true);
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(channels, dir);
    }

    @Override
    public void delete() throws IOException {
        if (Files.deleteIfExists(path)) {
            syncDirectory(channels, path.getParent());
        }
    }

    private static void syncDirectory(Channels channels, Path dir) throws IOException {
        try (FileChannel ch = channels.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
