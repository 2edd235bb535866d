package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.ImageEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class FetchWalkTest {

    private static final int CHUNK = 64 * 1024;

    /** Records what the walk asks for, in order; chunks in {@code notInPlace} fail their in-place check. */
    private static final class Recorder implements FetchWalk.Fetch {
        final List<String> asked = new ArrayList<>();
        final Set<Long> notInPlace = new TreeSet<>();
        final List<Long> everyChunk = new ArrayList<>();

        @Override
        public void download(List<Long> chunks) {
            if (!chunks.isEmpty()) {
                asked.add("download " + chunks);
                everyChunk.addAll(chunks);
            }
        }

        @Override
        public void zeroRun(long from, int count, long bytes) {
            asked.add("zero " + from + "+" + count + " " + bytes);
            for (long i = from; i < from + count; i++) {
                everyChunk.add(i);
            }
        }

        @Override
        public boolean inPlace(long i) {
            if (notInPlace.contains(i)) {
                return false;
            }
            asked.add("in place " + i);
            everyChunk.add(i);
            return true;
        }

        @Override
        public void reuse(long i, ChunkRoutes.Route route) {
            asked.add(route + " " + i);
            everyChunk.add(i);
        }
    }

    private static ChunkRoutes routes(ChunkRoutes.Route... r) {
        ChunkRoutes routes = new ChunkRoutes(r.length);
        for (int i = 0; i < r.length; i++) {
            routes.set(i, r[i]);
        }
        return routes;
    }

    private static Recorder walk(ImageEntry image, ChunkRoutes routes, long... notInPlace) throws IOException {
        Recorder r = new Recorder();
        for (long i : notInPlace) {
            r.notInPlace.add(i);
        }
        new FetchWalk(image, routes, new PipelineFailure(), r).walk();
        return r;
    }

    @Test
    void zeroRunsEndAtAnotherRouteAndAtTheImageEnd() throws IOException {
        ChunkRoutes.Route Z = ChunkRoutes.Route.ZERO;
        ChunkRoutes.Route D = ChunkRoutes.Route.DOWNLOAD;
        // The last chunk is short: the run's bytes count it as it is.
        ImageEntry image = RawChunks.shape(5L * CHUNK + 100, CHUNK);
        Recorder r = walk(image, routes(Z, Z, D, Z, Z, Z));
        assertThat(r.asked).containsExactly("zero 0+2 " + 2 * CHUNK, "zero 3+3 " + (2L * CHUNK + 100),
                "download [2]");
    }

    @Test
    void aZeroRunIsSplitAtMaxZeroRunBytes() throws IOException {
        int chunk = ImageEntry.MAX_CHUNK_SIZE;
        int perRun = (int) (FetchWalk.MAX_ZERO_RUN_BYTES / chunk);
        ChunkRoutes.Route[] r = new ChunkRoutes.Route[perRun * 2 + 1];
        java.util.Arrays.fill(r, ChunkRoutes.Route.ZERO);
        Recorder rec = walk(RawChunks.shape((long) r.length * chunk, chunk), routes(r));
        assertThat(rec.asked).containsExactly("zero 0+" + perRun + " " + FetchWalk.MAX_ZERO_RUN_BYTES,
                "zero " + perRun + "+" + perRun + " " + FetchWalk.MAX_ZERO_RUN_BYTES,
                "zero " + 2 * perRun + "+1 " + chunk);
    }

    @Test
    void downloadsAreFlushedWhenTheWalkIsTheLagAhead() throws IOException {
        long lag = FetchWalk.DOWNLOAD_LAG_BYTES / CHUNK;
        ChunkRoutes.Route[] r = new ChunkRoutes.Route[(int) lag + 2];
        java.util.Arrays.fill(r, ChunkRoutes.Route.LOCAL);
        r[0] = ChunkRoutes.Route.DOWNLOAD;
        r[1] = ChunkRoutes.Route.DOWNLOAD;
        Recorder rec = walk(RawChunks.shape((long) r.length * CHUNK, CHUNK), routes(r));
        // Chunk 0 waits while the walk passes local chunks 2 .. lag - 1; at chunk `lag` it goes, before that chunk.
        assertThat(rec.asked.indexOf("download [0, 1]")).isEqualTo((int) lag - 2);
        assertThat(rec.asked.get((int) lag - 1)).isEqualTo("LOCAL " + lag);
    }

    @Test
    void onlyDownloadsGoInBatchesOfTheLag() throws IOException {
        int lag = (int) (FetchWalk.DOWNLOAD_LAG_BYTES / CHUNK);
        int n = lag * 2 + 1;
        ChunkRoutes.Route[] r = new ChunkRoutes.Route[n];
        java.util.Arrays.fill(r, ChunkRoutes.Route.DOWNLOAD);
        Recorder rec = walk(RawChunks.shape((long) n * CHUNK, CHUNK), routes(r));
        assertThat(rec.asked).as("batches").hasSize(3);
        assertThat(rec.asked.get(1)).startsWith("download [" + lag + ", ").endsWith(", " + (2 * lag - 1) + "]");
        assertThat(rec.asked.get(2)).isEqualTo("download [" + (n - 1) + "]");
    }

    @Test
    void aChunkNotInPlaceJoinsTheDownloadsAtItsOwnPosition() throws IOException {
        ChunkRoutes.Route D = ChunkRoutes.Route.DOWNLOAD;
        ChunkRoutes.Route P = ChunkRoutes.Route.IN_PLACE;
        Recorder rec = walk(RawChunks.shape(5L * CHUNK, CHUNK), routes(D, P, P, D, ChunkRoutes.Route.DONE), 1);
        assertThat(rec.asked).containsExactly("in place 2", "download [0, 1, 3]");
    }

    @Test
    void everyChunkNotDoneIsAskedForExactlyOnce() throws IOException {
        SplittableRandom rnd = new SplittableRandom(4);
        ChunkRoutes.Route[] all = ChunkRoutes.Route.values();
        for (int round = 0; round < 200; round++) {
            int n = 1 + rnd.nextInt(3000);
            ChunkRoutes.Route[] r = new ChunkRoutes.Route[n];
            List<Long> expected = new ArrayList<>();
            long[] notInPlace = new long[n];
            int misses = 0;
            for (int i = 0; i < n; i++) {
                // Runs of one route, as real plans have.
                r[i] = i > 0 && rnd.nextInt(4) > 0 ? r[i - 1] : all[rnd.nextInt(all.length)];
                if (r[i] != ChunkRoutes.Route.DONE) {
                    expected.add((long) i);
                }
                if (r[i] == ChunkRoutes.Route.IN_PLACE && rnd.nextBoolean()) {
                    notInPlace[misses++] = i;
                }
            }
            Recorder rec = walk(RawChunks.shape((long) n * CHUNK, CHUNK), routes(r),
                    java.util.Arrays.copyOf(notInPlace, misses));
            assertThat(rec.everyChunk).hasSize(expected.size());
            assertThat(new TreeSet<>(rec.everyChunk)).containsExactlyElementsOf(expected);
        }
    }
}
