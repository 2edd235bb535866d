package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.BundleSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RangeBatcherTest {

    /** Chunk i stored at offsets[i] with lengths[i]. */
    private static RangeBatcher.StoredLayout layout(long[] offsets, int[] lengths) {
        return new RangeBatcher.StoredLayout() {
            @Override
            public long offset(long chunk) {
                return offsets[(int) chunk];
            }

            @Override
            public int length(long chunk) {
                return lengths[(int) chunk];
            }
        };
    }

    private static List<Long> all(int n) {
        return LongStream.range(0, n).boxed().toList();
    }

    private static List<RangeBatcher.Batch> batches(List<Long> chunks, RangeBatcher.StoredLayout layout) {
        List<RangeBatcher.Batch> out = new ArrayList<>();
        for (int from = 0; from < chunks.size(); ) {
            RangeBatcher.Batch b = RangeBatcher.next(chunks, from, layout);
            assertThat(b.to()).as("a batch takes at least one chunk").isGreaterThan(from);
            out.add(b);
            from = b.to();
        }
        return out;
    }

    @Test
    void adjacentChunksBecomeOneRange() {
        long[] offsets = {0, 100, 300};
        int[] lengths = {100, 200, 50};
        List<RangeBatcher.Batch> b = batches(all(3), layout(offsets, lengths));
        assertThat(b).hasSize(1);
        assertThat(b.get(0).ranges()).containsExactly(new BundleSource.ByteRange(0, 350));
    }

    @Test
    void rangesFarApartStayInOneBatch() {
        // Scattered chunks go to the source together, to be asked for as parts of one multi-range request.
        long[] offsets = {0, 1L << 20, 1L << 30};
        int[] lengths = {10, 10, 10};
        List<RangeBatcher.Batch> b = batches(all(3), layout(offsets, lengths));
        assertThat(b).hasSize(1);
        assertThat(b.get(0).ranges()).containsExactly(new BundleSource.ByteRange(0, 10),
                new BundleSource.ByteRange(1L << 20, 10), new BundleSource.ByteRange(1L << 30, 10));
    }

    @Test
    void aBatchHoldsAtMostMaxRangesRanges() {
        int n = RangeBatcher.MAX_RANGES * 2 + 1;
        long[] offsets = new long[n];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = i * 20L;
            lengths[i] = 10;
        }
        List<RangeBatcher.Batch> b = batches(all(n), layout(offsets, lengths));
        assertThat(b).extracting(x -> x.ranges().size())
                .containsExactly(RangeBatcher.MAX_RANGES, RangeBatcher.MAX_RANGES, 1);
    }

    @Test
    void aBatchEndsWithTheChunkThatReachesMaxBytes() {
        int len = 4 * 1024 * 1024;
        int perBatch = (int) (RangeBatcher.MAX_BYTES / len);
        int n = perBatch * 2 + 3;
        long[] offsets = new long[n];
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = (long) i * len;
            lengths[i] = len;
        }
        assertThat(batches(all(n), layout(offsets, lengths))).extracting(RangeBatcher.Batch::to)
                .containsExactly(perBatch, 2 * perBatch, n);
    }

    @Test
    void randomLayoutsAreCoveredExactlyInOrderWithinEveryBound() {
        SplittableRandom rnd = new SplittableRandom(15);
        for (int round = 0; round < 300; round++) {
            int n = 1 + rnd.nextInt(400);
            long[] offsets = new long[n];
            int[] lengths = new int[n];
            long at = 0;
            for (int i = 0; i < n; i++) {
                at += rnd.nextInt(4) == 0 ? rnd.nextInt(3 * 4096) : 0;
                offsets[i] = at;
                lengths[i] = 1 + rnd.nextInt(70_000);
                at += lengths[i];
            }
            // Only some chunks are downloaded (the others were reused): the list skips.
            List<Long> chunks = new ArrayList<>();
            for (long i = 0; i < n; i++) {
                if (rnd.nextInt(3) > 0) {
                    chunks.add(i);
                }
            }
            int from = 0;
            List<RangeBatcher.Batch> all = batches(chunks, layout(offsets, lengths));
            for (int k = 0; k < all.size(); k++) {
                RangeBatcher.Batch b = all.get(k);
                assertThat(b.ranges().size()).isBetween(1, RangeBatcher.MAX_RANGES);
                if (k < all.size() - 1) {
                    assertThat(b.ranges()).as("only the last batch is short of ranges")
                            .hasSize(RangeBatcher.MAX_RANGES);
                }
                // The ranges are exactly the chunks' stored bytes, in order.
                List<long[]> expected = new ArrayList<>();
                for (long i : chunks.subList(from, b.to())) {
                    long[] last = expected.isEmpty() ? null : expected.get(expected.size() - 1);
                    if (last != null && last[0] + last[1] == offsets[(int) i]) {
                        last[1] += lengths[(int) i];
                    } else {
                        expected.add(new long[] {offsets[(int) i], lengths[(int) i]});
                    }
                }
                assertThat(b.ranges()).extracting(r -> r.offset() + ":" + r.length())
                        .containsExactlyElementsOf(expected.stream().map(e -> e[0] + ":" + e[1]).toList());
                from = b.to();
            }
            assertThat(from).isEqualTo(chunks.size());
        }
    }
}
