package dev.tandem.install;

import dev.tandem.bundle.BundleSource;
import java.io.IOException;
import java.io.InputStream;
import java.util.OptionalLong;

/**
 * A bundle piped into standard input ({@code tandem install -}). It reads forward only: seeking ahead reads and
 * discards, so the bundle is read exactly once, front to back.
 */
public final class StdinSource implements BundleSource {

    private final InputStream in;
    private final String name;
    private long position;

    public StdinSource(InputStream in) {
        this(in, "standard input");
    }

    /** Any forward-only stream (a web upload), called {@code name} in messages. */
    public StdinSource(InputStream in, String name) {
        this.in = in;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public OptionalLong size() {
        return OptionalLong.empty();
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, len);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public void seek(long offset) throws IOException {
        if (offset < position) {
            throw new IOException(name + " cannot go back (to byte " + offset + " from " + position + ")");
        }
        long skip = offset - position;
        byte[] buf = new byte[64 * 1024];
        while (skip > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, skip));
            if (n < 0) {
                throw new java.io.EOFException(name + " ends before byte " + offset);
            }
            skip -= n;
            position += n;
        }
    }

    @Override
    public boolean canSeekBackward() {
        return false;
    }

    @Override
    public long bytesReceived() {
        return position;
    }

    @Override
    public void close() {
        // Standard input belongs to the process.
    }
}
