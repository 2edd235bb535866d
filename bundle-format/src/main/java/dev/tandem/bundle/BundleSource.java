package dev.tandem.bundle;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

/**
 * Where bundle bytes come from: a local file, an HTTP(S) URL, standard input. The reader moves forward
 * through it; {@link #seek} jumps (a file seeks, HTTP opens a new Range request, a pipe reads and discards
 * when moving forward and cannot move back).
 *
 * <p>Nothing read from a source is trusted: the reader checks every byte against the signed manifest.
 * Implementations retry transient failures themselves (HTTP resumes a dropped transfer by Range from the
 * current position) and throw an {@link IOException} only when they give up.
 */
public interface BundleSource extends Closeable {

    /** For messages and logs: a path, or a URL without its query string. */
    String name();

    /** Total size in bytes when known. */
    OptionalLong size();

    /** Offset of the next byte {@link #read} returns. */
    long position();

    /** Reads up to {@code len} bytes; returns -1 at the end of the bundle. */
    int read(byte[] buf, int off, int len) throws IOException;

    /** Moves to an absolute offset. */
    void seek(long offset) throws IOException;

    /**
     * A hint from the reader: it reads on from {@link #position} up to {@code end}, then it may jump. A source that
     * fetches in windows (HTTP) asks for exactly that much instead of guessing, so the server sends no bytes that
     * are abandoned at the jump. Not a limit: reading past {@code end} still works. A {@link #seek} forgets it.
     */
    default void willRead(long end) throws IOException {
    }

    /** Whether {@link #seek} can move backwards (false for pipes). */
    boolean canSeekBackward();

    /** Bytes received from the origin so far, including re-fetches: the "downloaded" figure. */
    long bytesReceived();

    /**
     * Reads several ranges, in ascending order and not overlapping, and hands each one's bytes to
     * {@code sink}. Afterwards {@link #position} is unspecified. HTTP sources merge near ranges into
     * multi-range requests; the default seeks and reads each one.
     */
    default void readRanges(List<ByteRange> ranges, RangeSink sink) throws IOException {
        readEach(this, ranges, sink);
    }

    /**
     * {@link #readRanges} done the plain way, by seeking and reading each range through {@code source}: for
     * sources without a better way, and for wrappers that must see every read.
     */
    static void readEach(BundleSource source, List<ByteRange> ranges, RangeSink sink) throws IOException {
        byte[] buf = new byte[64 * 1024];
        for (ByteRange r : ranges) {
            source.seek(r.offset());
            long left = r.length();
            long at = r.offset();
            while (left > 0) {
                int n = source.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    // The tar headers promised these bytes: a short bundle is malformed (exit code 3), not an
                    // I/O failure of the source.
                    throw new VerificationException(VerificationException.Kind.CONTAINER, "bundle is truncated: "
                            + source.name() + " ends before byte " + (r.offset() + r.length()));
                }
                sink.accept(at, buf, 0, n);
                at += n;
                left -= n;
            }
        }
    }

    /** Receives the bytes of {@link #readRanges}, in order; {@code offset} is the absolute offset of {@code buf[off]}. */
    @FunctionalInterface
    interface RangeSink {
        void accept(long offset, byte[] buf, int off, int len) throws IOException;
    }

    /** A byte range of the bundle. */
    record ByteRange(long offset, long length) {
        public ByteRange {
            if (offset < 0 || length <= 0) {
                throw new IllegalArgumentException("bad range " + offset + "+" + length);
            }
        }

        public long end() {
            return offset + length;
        }
    }
}
