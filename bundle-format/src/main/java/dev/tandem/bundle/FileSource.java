package dev.tandem.bundle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/** A bundle in a local file (or on a mounted USB stick): seekable, size known. */
public final class FileSource implements BundleSource {

    private final Path path;
    private final FileChannel channel;
    private long position;
    private long received;

    private FileSource(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    public static FileSource open(Path path) throws IOException {
        return new FileSource(path, FileChannel.open(path, StandardOpenOption.READ));
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public OptionalLong size() {
        try {
            return OptionalLong.of(channel.size());
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n = channel.read(ByteBuffer.wrap(buf, off, len), position);
        if (n > 0) {
            position += n;
            received += n;
        }
        return n;
    }

    @Override
    public void seek(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        position = offset;
    }

    @Override
    public boolean canSeekBackward() {
        return true;
    }

    @Override
    public long bytesReceived() {
        return received;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
