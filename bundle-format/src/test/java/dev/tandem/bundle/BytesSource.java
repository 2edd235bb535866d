package dev.tandem.bundle;

import java.util.OptionalLong;

/** A {@link BundleSource} over bytes in memory, for tampered copies of a bundle. */
final class BytesSource implements BundleSource {

    private final byte[] bytes;
    private long position;
    private long received;

    BytesSource(byte[] bytes) {
        this.bytes = bytes;
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
        int n = (int) Math.min(len, bytes.length - position);
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
