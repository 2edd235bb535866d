package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The write stage, on its own thread ({@code install-write}): writes each verified job positionally (zero runs
 * as one zero call; a chunk confirmed in place not at all), records its chunk and block hashes for the saved
 * tables, reports progress, and tells the {@link SyncScheduler} what is done. It refuses a job that
 * {@link ChunkVerifier} has not verified.
 */
final class SlotWriter implements Runnable {

    private final ImageEntry image;
    private final ChunkIndex index;
    private final BlockTarget target;
    private final SavedTables.Builder tables;
    private final ProgressTracker progress;
    private final SyncScheduler sync;
    private final PipelineHandoffs handoffs;
    private final byte[] chunkHash = new byte[ChunkHasher.HASH_SIZE];
    private long written;
    private long reused;
    private long zeroed;

    SlotWriter(ChunkIndex index, BlockTarget target, SavedTables.Builder tables, ProgressTracker progress,
               SyncScheduler sync, PipelineHandoffs handoffs) {
        this.image = index.image();
        this.index = index;
        this.target = target;
        this.tables = tables;
        this.progress = progress;
        this.sync = sync;
        this.handoffs = handoffs;
    }

    @Override
    public void run() {
        try {
            while (true) {
                List<ChunkJob> jobs = handoffs.forWriter();
                if (jobs == null) {
                    return;
                }
                if (jobs == PipelineHandoffs.END) {
                    sync.drain(index.count(), image.name());
                    return;
                }
                for (ChunkJob j : jobs) {
                    if (handoffs.stopped()) {
                        return;
                    }
                    write(j);
                }
                handoffs.written(jobs);
            }
        } catch (Throwable t) {
            handoffs.fail(t);
        }
    }

    void write(ChunkJob j) throws IOException {
        long offset = image.chunkOffset(j.index);
        switch (j.route) {
            case ZERO -> {
                target.zero(offset, j.length);
                for (long c = j.index; c < j.index + j.count; c++) {
                    tables.zeroChunk(c, image.chunkLength(c));
                }
                zeroed += j.length;
            }
            case IN_PLACE -> {
                requireVerified(j);
                recordTables(j);
                reused += j.length;
            }
            case DOWNLOAD, LOCAL, ASSEMBLE -> {
                requireVerified(j);
                target.write(ByteBuffer.wrap(j.data, 0, j.length), offset);
                recordTables(j);
                written += j.length;
                if (j.route != ChunkRoutes.Route.DOWNLOAD) {
                    reused += j.length;
                }
            }
            default -> throw new IllegalStateException("cannot write route " + j.route);
        }
        for (long c = j.index; c < j.index + j.count; c++) {
            progress.chunkDone(image.chunkLength(c), j.route);
        }
        handoffs.settle();
        sync.done(j.index, j.count, j.length);
    }

    private static void requireVerified(ChunkJob j) {
        if (!j.verified) {
            throw new IllegalStateException("unverified chunk " + j.index + " reached the writer");
        }
    }

    private void recordTables(ChunkJob j) throws IOException {
        index.hash(j.index, chunkHash, 0);
        tables.chunk(j.index, chunkHash, j.blockHashes, j.length);
    }

    long written() {
        return written;
    }

    long reused() {
        return reused;
    }

    long zeroed() {
        return zeroed;
    }
}
