package dev.tandem.install;

import dev.tandem.bundle.BundleSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups the stored chunks to download into batches of byte ranges, one {@link BundleSource#readRanges} call each:
 * adjacent chunks merge into one range; a batch ends at {@value #MAX_RANGES} ranges or at {@value #MAX_BYTES}
 * bytes, however far apart its ranges are. Whether a gap is fetched or skipped is the source's decision (an HTTP
 * source asks for the ranges as parts of one multi-range request and fetches only gaps cheaper than a part's
 * header). Pure: no I/O, no threads.
 */
final class RangeBatcher {

    /** Where chunks are stored in the bundle. */
    interface StoredLayout {
        long offset(long chunk);

        int length(long chunk);
    }

    /** The ranges of {@code chunks[from, to)}. */
    record Batch(List<BundleSource.ByteRange> ranges, int to) {
    }

    /**
     * One multi-range request of an HTTP source (its {@code maxRangesPerRequest}): a request's response header
     * (about 300 bytes) then costs under 5 bytes a range, next to the part header of about 115 every range costs.
     */
    static final int MAX_RANGES = 64;
    static final long MAX_BYTES = 256L * 1024 * 1024;

    private RangeBatcher() {
    }

    /** The next batch of {@code chunks} (in the order they are to be fetched) from position {@code from}. */
    static Batch next(List<Long> chunks, int from, StoredLayout layout) {
        List<BundleSource.ByteRange> ranges = new ArrayList<>();
        int to = from;
        long bytes = 0;
        long rangeStart = -1;
        long rangeEnd = -1;
        while (to < chunks.size()) {
            long i = chunks.get(to);
            long at = layout.offset(i);
            int len = layout.length(i);
            if (rangeStart >= 0 && at == rangeEnd) {
                rangeEnd += len;
            } else {
                if (ranges.size() + (rangeStart >= 0 ? 1 : 0) >= MAX_RANGES) {
                    break;
                }
                if (rangeStart >= 0) {
                    ranges.add(new BundleSource.ByteRange(rangeStart, rangeEnd - rangeStart));
                }
                rangeStart = at;
                rangeEnd = at + len;
            }
            bytes += len;
            to++;
            if (bytes >= MAX_BYTES) {
                break;
            }
        }
        if (rangeStart >= 0) {
            ranges.add(new BundleSource.ByteRange(rangeStart, rangeEnd - rangeStart));
        }
        return new Batch(ranges, to);
    }
}
