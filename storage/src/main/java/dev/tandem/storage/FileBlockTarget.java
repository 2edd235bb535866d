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
        ChannelIo.writeFully(channel, src, offset);
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws IOException {
        return ChannelIo.readFully(channel, dst, offset);
    }

    @Override
    public void zero(long offset, long length) throws IOException {
        ChannelIo.writeZeros(this, offset, length);
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
