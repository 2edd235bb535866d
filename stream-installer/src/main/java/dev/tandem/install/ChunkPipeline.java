package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.ChunkGroups;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.bundle.ImageSection;
import java.io.IOException;
import java.util.List;

/**
 * Moves one image's chunks from their routes to the target (ARCHITECTURE.md §4), and only wires its stages:
 * {@link FetchWalk} and {@link ChunkFetcher} on the calling thread, {@link ChunkVerifier} on the verify workers,
 * {@link SlotWriter} and {@link SyncScheduler} on the writer thread (syncs on their own), {@link ImageHasher} on
 * its own; {@link PipelineHandoffs} moves the jobs between them. Memory is a fixed {@link JobPool} (the bound on
 * bytes in flight); nothing is written before it has been checked against the signed chunk hash.
 *
 * <p>The image is hashed in order while chunks stream; when chunks arrive too far out of order (a local copy
 * failed its check and was downloaded at the end) the hash is given up and the caller reads the image back.
 */
final class ChunkPipeline {

    /** What the pipeline did for one image. */
    record Outcome(String imageSha256, long written, long reused, long zeroed) {
        /** Null when the image hash could not be computed in stream order and must be read back. */
        boolean needsReadBack() {
            return imageSha256 == null;
        }
    }

    private final ImageSection section;
    private final ImageEntry image;
    private final ChunkRoutes routes;
    private final BlockTarget target;
    private final BlockTarget local;
    private final SavedTables.Builder tables;
    private final ProgressTracker progress;
    private final SyncScheduler.DoneBelowListener journal;
    private final int workers;
    private final long syncInterval;
    private final int poolSize;

    ChunkPipeline(ImageSection section, ChunkRoutes routes, BlockTarget target, BlockTarget local,
                  SavedTables.Builder tables, ProgressTracker progress, SyncScheduler.DoneBelowListener journal,
                  int workers, long syncInterval, long inFlightBytes) {
        this.section = section;
        this.image = section.image();
        this.routes = routes;
        this.target = target;
        this.local = local;
        this.tables = tables;
        this.progress = progress;
        this.journal = journal;
        this.workers = Math.max(1, workers);
        this.syncInterval = syncInterval;
        this.poolSize = JobPool.size(this.workers, inFlightBytes, image.chunkSize());
    }

    /**
     * Runs the image from {@code doneBelow} (chunks below it were done before a resume) until every chunk is
     * written and the syncs under way have ended; the final sync is the caller's.
     */
    Outcome run(BundleSource source, long doneBelow) throws IOException {
        PipelineFailure failure = new PipelineFailure();
        JobPool pool = new JobPool(poolSize, image.chunkSize());
        ChunkVerifier verifier = new ChunkVerifier(section.index(), routes, target, local);
        VerifyWorkers verifyWorkers = new VerifyWorkers(workers);
        PipelineHandoffs handoffs = new PipelineHandoffs(failure, pool, verifyWorkers, verifier,
                ChunkGroups.size(image.chunkSize(), poolSize, workers));
        // Chunks done before a resume were not hashed in this process: read the image back instead.
        ImageHasher hasher = new ImageHasher(section.index().count(), image.chunkSize(), doneBelow == 0,
                p -> pool.give((ChunkJob) p));
        handoffs.hashing(hasher);
        SyncScheduler sync = new SyncScheduler(doneBelow, syncInterval, target::sync, journal);
        SlotWriter writer = new SlotWriter(section.index(), target, tables, progress, sync, handoffs);
        Thread writerThread = new Thread(writer, "install-write");
        writerThread.setDaemon(true);
        writerThread.start();
        try {
            ChunkFetcher fetcher = new ChunkFetcher(source, section, handoffs, verifier, verifyWorkers);
            new FetchWalk(image, routes, failure, fetcher).walk();
            // Chunks whose local copy failed its check come back here once every job has settled.
            handoffs.awaitSettled();
            List<Long> retry = handoffs.takeFallbacks();
            if (!retry.isEmpty()) {
                hasher.abandon();
                progress.note(image.name() + ": " + retry.size() + " chunk(s) not found locally as planned, downloading");
                fetcher.download(retry);
                handoffs.awaitSettled();
            }
            handoffs.end();
            writerThread.join();
            failure.check();
            return new Outcome(hasher.finish(), writer.written(), writer.reused(), writer.zeroed());
        } catch (InterruptedException e) {
            throw PipelineFailure.interrupted();
        } finally {
            // No pipeline thread may act after run returns (a sync under way still writes the journal, a verify
            // worker still uses the zstd context closed here, the hash still hands buffers back to the pool), even
            // when the caller was interrupted: with its interrupt set, each bounded wait below would return at once.
            // The interrupt is set aside for these waits and given back after them.
            boolean interrupted = Thread.interrupted();
            failure.stop();
            verifyWorkers.close();
            writerThread.interrupt();
            hasher.stop();
            sync.stop();
            try {
                writerThread.join(10_000);
                hasher.awaitStopped();
                sync.awaitStopped();
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
