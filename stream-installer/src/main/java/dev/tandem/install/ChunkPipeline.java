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
 * {@link SlotWriter} and {@link SyncScheduler} on the writer thread (syncs on their own); {@link PipelineHandoffs}
 * moves the jobs between them. Memory is a fixed {@link JobPool} (the bound on bytes in flight).
 *
 * <p>Nothing is written before it has been checked against its signed chunk hash, and the run fails unless every
 * chunk of the image was written ({@link SyncScheduler#drain}): together they prove that the image on the target is
 * the signed one, so the image is not hashed a second time (ARCHITECTURE.md §4 says what that pass cost).
 */
final class ChunkPipeline {

    /** What the pipeline did for one image: bytes written, reused from the booted slot, zeroed. */
    record Outcome(long written, long reused, long zeroed) {
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
                progress.note(image.name() + ": " + retry.size() + " chunk(s) not found locally as planned, downloading");
                fetcher.download(retry);
                handoffs.awaitSettled();
            }
            handoffs.end();
            writerThread.join();
            failure.check();
            return new Outcome(writer.written(), writer.reused(), writer.zeroed());
        } catch (InterruptedException e) {
            throw PipelineFailure.interrupted();
        } finally {
            // No pipeline thread may act after run returns (a sync under way still writes the journal, a verify
            // worker still uses the zstd context closed here), even when the caller was interrupted: with its
            // interrupt set, each bounded wait below would return at once. The interrupt is set aside for these
            // waits and given back after them.
            boolean interrupted = Thread.interrupted();
            // The stop ends the writer before its next job (SlotWriter checks it), so it is not interrupted.
            failure.stop();
            verifyWorkers.close();
            sync.stop();
            try {
                writerThread.join(10_000);
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
