package dev.tandem.install;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FilterSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A bundle source that records every byte range it hands out and, like a dropped connection that will not come
 * back, fails for good once {@code failAfter} bytes were read. Ranged reads go through {@link #seek} and
 * {@link #read} (the interface's default), so they are counted too.
 */
final class InterruptingSource extends FilterSource {

    /** The failure it throws: an I/O error, as a source that gave up throws. */
    static final class Interrupted extends IOException {
        Interrupted(long at) {
            super("simulated interruption after " + at + " bytes");
        }
    }

    private final long failAfter;
    private final List<long[]> ranges = new ArrayList<>();
    private long read;

    InterruptingSource(BundleSource inner, long failAfter) {
        super(inner);
        this.failAfter = failAfter;
    }

    /** A source that never fails, only counts. */
    static InterruptingSource counting(BundleSource inner) {
        return new InterruptingSource(inner, Long.MAX_VALUE);
    }




    @Override
    public synchronized int read(byte[] buf, int off, int len) throws IOException {
        if (read >= failAfter) {
            throw new Interrupted(read);
        }
        long at = inner.position();
        int n = inner.read(buf, off, (int) Math.min(len, failAfter - read));
        if (n > 0) {
            read += n;
            ranges.add(new long[] {at, at + n});
        }
        return n;
    }




    /** Ranged reads go through {@link #read}, so they are counted and can be interrupted too. */
    @Override
    public void readRanges(List<ByteRange> ranges, RangeSink sink) throws IOException {
        BundleSource.readEach(this, ranges, sink);
    }

    /** Bytes handed out. */
    synchronized long bytesRead() {
        return read;
    }

    /** Bytes handed out from {@code [from, to)} of the bundle. */
    synchronized long bytesReadIn(long from, long to) {
        long sum = 0;
        for (long[] r : ranges) {
            sum += Math.max(0, Math.min(to, r[1]) - Math.max(from, r[0]));
        }
        return sum;
    }

}
