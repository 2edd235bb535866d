package dev.tandem.install;

import dev.tandem.bundle.BundleSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups the stored chunks to download into batches of byte ranges, one {@link BundleSource#readRanges} call each:
 * adjacent chunks merge into one range; a batch ends at {@value #MAX_RANGES} ranges, at {@value #MAX_BYTES} bytes,
 * or before a gap wider than {@link #MAX_FETCHED_GAP}. Pure: no I/O, no threads.
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

    static final int MAX_RANGES = 64;
    /**
     * Ranges further apart than this go to the source in separate {@link BundleSource#readRanges} calls. An HTTP
     * source fetches the bytes between the ranges of one call when they are closer than its merge gap (256 KiB by
     * default) rather than asking for them as parts of one multi-range request; for the scattered chunks of an
     * adaptive update that would download most of what reuse saved. A separate request costs a few hundred bytes
     * of headers and a round trip, a gap its length: past 4 KiB the request is cheaper in bytes.
     */
    static final long MAX_FETCHED_GAP = 4 * 1024;
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
                if (ranges.size() + (rangeStart >= 0 ? 1 : 0) >= MAX_RANGES
                        || rangeStart >= 0 && at - rangeEnd > MAX_FETCHED_GAP) {
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
