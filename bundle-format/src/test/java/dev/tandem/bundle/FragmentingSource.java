package dev.tandem.bundle;

import java.io.IOException;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * Wraps a source and returns at most {@code maxRead} bytes per read (or a random 1..maxRead when given a
 * random), as a network connection does (Netty's split tests). In forward-only mode it behaves like a pipe:
 * a seek forward reads and discards, a seek backward fails.
 */
final class FragmentingSource extends FilterSource {

    private final int maxRead;
    private final SplittableRandom random;
    private final boolean forwardOnly;
    private long reads;

    FragmentingSource(BundleSource delegate, int maxRead, SplittableRandom random, boolean forwardOnly) {
        super(delegate);
        this.maxRead = maxRead;
        this.random = random;
        this.forwardOnly = forwardOnly;
    }

    /** Number of read calls that returned data. */
    long reads() {
        return reads;
    }

    @Override
    public String name() {
        return "fragmented " + inner.name();
    }

    @Override
    public OptionalLong size() {
        return forwardOnly ? OptionalLong.empty() : inner.size();
    }


    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int limit = random == null ? maxRead : 1 + random.nextInt(maxRead);
        int n = inner.read(buf, off, Math.min(len, limit));
        if (n > 0) {
            reads++;
        }
        return n;
    }

    @Override
    public void seek(long offset) throws IOException {
        if (!forwardOnly) {
            inner.seek(offset);
            return;
        }
        long pos = inner.position();
        if (offset < pos) {
            throw new IOException("cannot seek backwards in a pipe (from " + pos + " to " + offset + ")");
        }
        byte[] skip = new byte[8192];
        while (pos < offset) {
            int n = read(skip, 0, (int) Math.min(skip.length, offset - pos));
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }

    @Override
    public boolean canSeekBackward() {
        return !forwardOnly;
    }



    /** Ranges are read through {@link #read}, fragmented like everything else. */
    @Override
    public void readRanges(java.util.List<ByteRange> ranges, RangeSink sink) throws IOException {
        BundleSource.readEach(this, ranges, sink);
    }
}
