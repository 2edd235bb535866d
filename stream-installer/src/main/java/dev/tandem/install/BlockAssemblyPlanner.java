package dev.tandem.install;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.bundle.ImageSection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Route 3 of ARCHITECTURE.md §4 "Adaptive": for chunks that the chunk-hash routes did not find, range-fetches their
 * block hints from the bundle's {@code .blk} entry, looks each hint up in the local slot's saved block table
 * and routes a chunk to {@link ChunkRoutes.Route#ASSEMBLE} when every one of its blocks was found there (or is
 * a zero block).
 *
 * <p>Hints are unsigned and the saved table may be stale: nothing here is trusted. The pipeline assembles the
 * chunk and checks it against its signed chunk hash before it is written; a mismatch costs a download, never a
 * wrong byte.
 *
 * <p><b>Memory is flat in image size.</b> The chunks are taken in batches of at most {@value #MAX_BATCH_BLOCKS}
 * blocks. Per batch, the <em>needed</em> prefixes go into one reused {@link LongLongMap} (2 MiB), and the local
 * table, memory-mapped, is scanned once sequentially, filling in where each needed prefix was seen. The other
 * way round (a map of every local block) would cost 32 bytes of heap per local block, 64 MiB for an 8 GiB slot;
 * a scan of the mapped table is 8 bytes per block of page cache, fast, and repeated only per batch.
 *
 * <p><b>It must pay off.</b> Hints cost 8 bytes per 4 KiB block, about 0.4 % of a chunk stored at half its
 * size. Batches grow from {@value #FIRST_BATCH_CHUNKS} chunks; after each one the bytes the hints cost (as the
 * source counted them, gaps an HTTP source fetched included) are compared with the stored bytes of the chunks
 * they let us assemble, and fetching stops once they cost more than they saved plus a budget of
 * {@value #BUDGET_PERCENT} % of the stored bytes still to download. The budget is there because where the
 * reusable blocks are is not known in advance: a freshly made file system begins with rewritten metadata, and
 * its moved file data comes later. So an update with nothing to find loses at most that budget; a rebuilt file
 * system, whose blocks mostly moved, fetches the hints of every chunk it must otherwise download.
 */
final class BlockAssemblyPlanner {

    /** What planning did, for notes and tests. */
    record Outcome(long chunksLooked, long chunksAssembled, long hintBytes, long storedBytesSaved,
                   boolean stoppedEarly) {
    }

    static final int MAX_BATCH_BLOCKS = 65536;
    static final int FIRST_BATCH_CHUNKS = 64;
    static final int BUDGET_PERCENT = 1;
    private static final long NOT_FOUND = -2;
    private static final long ZERO_PREFIX = ByteBuffer.wrap(ChunkHasher.sha256()
            .digest(new byte[ImageEntry.BLOCK_SIZE])).getLong();

    private final ImageSection section;
    private final ChunkIndex index;
    private final ImageEntry image;
    private final SavedTables.SavedBlocks local;
    private final long localBlocks;
    private final int blocksPerChunk;
    private final int hintBytesPerChunk;

    /**
     * @param local     the local source slot's saved block table
     * @param localSize bytes readable on the local source slot
     */
    BlockAssemblyPlanner(ImageSection section, SavedTables.SavedBlocks local, long localSize) {
        this.section = section;
        this.index = section.index();
        this.image = section.image();
        this.local = local;
        // Full blocks only (a short last block would be read past the end), and block numbers must fit an int.
        this.localBlocks = Math.min(Integer.MAX_VALUE,
                Math.min(local.count(), Math.min(local.imageSize(), localSize) / ImageEntry.BLOCK_SIZE));
        this.blocksPerChunk = image.blocksPerChunk();
        this.hintBytesPerChunk = SavedTables.HINT * blocksPerChunk;
    }

    /** Re-routes DOWNLOAD chunks whose blocks are all on the local slot to ASSEMBLE. */
    Outcome plan(ChunkRoutes routes, BundleSource source) throws IOException {
        int maxBatch = Math.max(1, MAX_BATCH_BLOCKS / blocksPerChunk);
        long[] batch = new long[maxBatch];
        byte[] hints = new byte[maxBatch * hintBytesPerChunk];
        LongLongMap needed = new LongLongMap(MAX_BATCH_BLOCKS);
        int[] blocks = new int[blocksPerChunk];
        long looked = 0;
        long assembled = 0;
        long cost = 0;
        long saved = 0;
        int batchLimit = Math.min(maxBatch, FIRST_BATCH_CHUNKS);
        long budget = 0;
        for (long i = 0; i < routes.count(); i++) {
            if (routes.route(i) == ChunkRoutes.Route.DOWNLOAD) {
                budget += index.storedLength(i);
            }
        }
        budget = budget * BUDGET_PERCENT / 100;
        long next = 0;
        while (true) {
            int n = 0;
            while (next < routes.count() && n < batchLimit) {
                if (routes.route(next) == ChunkRoutes.Route.DOWNLOAD) {
                    batch[n++] = next;
                }
                next++;
            }
            if (n == 0) {
                return new Outcome(looked, assembled, cost, saved, false);
            }
            long before = source.bytesReceived();
            fetchHints(source, batch, n, hints);
            cost += source.bytesReceived() - before;
            looked += n;
            lookUp(batch, n, hints, needed);
            for (int k = 0; k < n; k++) {
                long i = batch[k];
                if (resolve(i, k, hints, needed, blocks)) {
                    routes.setAssemble(i, blocks, ChunkHasher.blockCount(image.chunkLength(i)));
                    assembled++;
                    saved += index.storedLength(i);
                }
            }
            if (cost > saved + budget) {
                // The hints cost more than they saved so far: the rest is downloaded without looking.
                boolean more = next < routes.count();
                return new Outcome(looked, assembled, cost, saved, more);
            }
            batchLimit = Math.min(maxBatch, batchLimit * 4);
        }
    }

    /** Reads the hints of the batch's chunks into {@code hints}, chunk k at {@code k * hintBytesPerChunk}. */
    private void fetchHints(BundleSource source, long[] batch, int n, byte[] hints) throws IOException {
        List<BundleSource.ByteRange> ranges = new ArrayList<>();
        List<Integer> firstChunk = new ArrayList<>();
        long start = -1;
        long end = -1;
        for (int k = 0; k < n; k++) {
            long at = section.hintsOffsetOf(batch[k]);
            if (start >= 0 && at == end) {
                end += hintBytesPerChunk;
                continue;
            }
            if (start >= 0) {
                ranges.add(new BundleSource.ByteRange(start, end - start));
            }
            firstChunk.add(k);
            start = at;
            end = at + hintBytesPerChunk;
        }
        ranges.add(new BundleSource.ByteRange(start, end - start));
        read(source, ranges, firstChunk, hints);
    }

    private void read(BundleSource source, List<BundleSource.ByteRange> ranges, List<Integer> firstChunk,
                      byte[] hints) throws IOException {
        int[] r = {0};
        source.readRanges(ranges, (offset, buf, off, len) -> {
            int pos = off;
            int left = len;
            long at = offset;
            while (left > 0) {
                while (at >= ranges.get(r[0]).end()) {
                    r[0]++;
                }
                BundleSource.ByteRange range = ranges.get(r[0]);
                int k = (int) Math.min(left, range.end() - at);
                int into = firstChunk.get(r[0]) * hintBytesPerChunk + (int) (at - range.offset());
                System.arraycopy(buf, pos, hints, into, k);
                pos += k;
                left -= k;
                at += k;
            }
        });
    }

    /** Fills {@code needed} with the batch's hints and finds each on the local slot in one scan. */
    private void lookUp(long[] batch, int n, byte[] hints, LongLongMap needed) {
        needed.clear();
        ByteBuffer h = ByteBuffer.wrap(hints);
        for (int k = 0; k < n; k++) {
            int blocks = ChunkHasher.blockCount(image.chunkLength(batch[k]));
            for (int b = 0; b < blocks; b++) {
                long key = h.getLong(k * hintBytesPerChunk + b * SavedTables.HINT);
                if (key != ZERO_PREFIX) {
                    needed.putIfAbsent(key, NOT_FOUND);
                }
            }
        }
        int wanted = needed.size();
        int found = 0;
        for (long j = 0; j < localBlocks && found < wanted; j++) {
            if (needed.replaceIf(local.key(j), NOT_FOUND, j)) {
                found++;
            }
        }
    }

    /** Whether every block of chunk {@code i} (batch entry k) is known locally; fills {@code blocks}. */
    private boolean resolve(long i, int k, byte[] hints, LongLongMap needed, int[] blocks) {
        ByteBuffer h = ByteBuffer.wrap(hints);
        int count = ChunkHasher.blockCount(image.chunkLength(i));
        for (int b = 0; b < count; b++) {
            long key = h.getLong(k * hintBytesPerChunk + b * SavedTables.HINT);
            if (key == ZERO_PREFIX) {
                blocks[b] = ChunkRoutes.ZERO_BLOCK;
                continue;
            }
            long at = needed.get(key, NOT_FOUND);
            if (at < 0) {
                return false;
            }
            blocks[b] = (int) at;
        }
        return true;
    }
}
