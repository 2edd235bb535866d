package dev.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link BlockTarget} over a {@link FileChannel}: regular files (tests, the demo, environment files) and
 * block devices opened without the installer's Linux extras.
 */
public final class FileBlockTarget implements BlockTarget {

    private static final int ZERO_BUFFER = 1 << 20;

    private final Path path;
    private final FileChannel channel;

    private FileBlockTarget(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** Opens an existing file or device for reading and writing. */
    public static FileBlockTarget open(Path path) throws IOException {
        return new FileBlockTarget(path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
    }

    /** Opens an existing file or device read-only; writes fail. */
    public static FileBlockTarget openReadOnly(Path path) throws IOException {
        return new FileBlockTarget(path, FileChannel.open(path, StandardOpenOption.READ));
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public long size() throws IOException {
        // FileChannel.size() seeks to the end, which gives a block device's real size.
        return channel.size();
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, offset + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    @Override
    public void zero(long offset, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_BUFFER, Math.max(length, 1)));
        long done = 0;
        while (done < length) {
            zeros.clear();
            zeros.limit((int) Math.min(zeros.capacity(), length - done));
            write(zeros, offset + done);
            done += zeros.limit();
        }
    }

    @Override
    public void sync() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
