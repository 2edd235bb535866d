package dev.tandem.bundle.fuzz;

import dev.tandem.bundle.BundleSource;
import java.util.OptionalLong;

/**
 * A bundle in memory. Reads return at most {@code maxRead} bytes, so readers meet short reads at every size
 * (as from a pipe or a network).
 */
public final class ByteArraySource implements BundleSource {

    private final byte[] bytes;
    private final int maxRead;
    private long position;
    private long received;

    public ByteArraySource(byte[] bytes, int maxRead) {
        this.bytes = bytes;
        this.maxRead = Math.max(1, maxRead);
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public OptionalLong size() {
        return OptionalLong.of(bytes.length);
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public int read(byte[] buf, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (position >= bytes.length) {
            return -1;
        }
        int n = (int) Math.min(Math.min(len, maxRead), bytes.length - position);
        System.arraycopy(bytes, (int) position, buf, off, n);
        position += n;
        received += n;
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
    public void close() {
    }
}
