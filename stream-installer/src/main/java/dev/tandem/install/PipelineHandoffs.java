package dev.tandem.install;

import dev.tandem.bundle.ChunkDecoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Every hand-off between the threads of {@link ChunkPipeline}, and nothing else:
 * <pre>
 *   fetch thread --group--> verify worker --group--> writer --buffers--> pool --> fetch thread
 *   fetch thread --zero run, in-place chunk--> writer
 *   verify worker --local copy that failed its check--> fallbacks --> fetch thread (downloads them at the end)
 * </pre>
 * Chunks move in groups (one hand-over, at most one wake-up per group; {@link dev.tandem.bundle.ChunkGroups} says
 * why). A job is "settled" once written or sent back; the fetch thread waits for every job to settle before it
 * takes the fallbacks. The first failure of any thread goes to {@link PipelineFailure}, which every wait here checks.
 * Buffers flow in one circle, and every stage gives a buffer on as soon as it is done with it: no stage waits for
 * a chunk that has not been fetched yet, so the circle cannot stall.
 */
final class PipelineHandoffs {

    /** Put to the writer after the last job: the image is all there. */
    static final List<ChunkJob> END = new ArrayList<>(0);

    private final PipelineFailure failure;
    private final JobPool pool;
    private final VerifyWorkers workers;
    private final ChunkVerifier verifier;
    private final int groupSize;

    private final BlockingQueue<List<ChunkJob>> toWriter = new LinkedBlockingQueue<>();
    private final Queue<Long> fallbacks = new ConcurrentLinkedQueue<>();
    private final Object settled = new Object();
    private long submitted;
    private long finished;
    /** Fetch thread only: the group being collected for the next verify worker. */
    private List<ChunkJob> group;

    PipelineHandoffs(PipelineFailure failure, JobPool pool, VerifyWorkers workers, ChunkVerifier verifier,
                     int groupSize) {
        this.failure = failure;
        this.pool = pool;
        this.workers = workers;
        this.verifier = verifier;
        this.groupSize = groupSize;
        this.group = new ArrayList<>(groupSize);
    }

    // ---- fetch thread ----

    /** A free job for the next chunk; waits for the writer to give one back. */
    ChunkJob take() throws IOException {
        ChunkJob ready = pool.poll();
        if (ready != null) {
            return ready;
        }
        // Every buffer may be in the group this thread is collecting: hand it on before waiting.
        dispatch();
        while (true) {
            failure.check();
            try {
                ChunkJob j = pool.poll(100);
                if (j != null) {
                    return j;
                }
            } catch (InterruptedException e) {
                throw PipelineFailure.interrupted();
            }
        }
    }

    /** A job that was taken and is not going anywhere (its chunk was not in place). */
    void giveBack(ChunkJob j) {
        pool.give(j);
    }

    /** A filled job for the verify workers; it goes with its group. */
    void toVerify(ChunkJob j) {
        handedOn(j);
        group.add(j);
        if (group.size() >= groupSize) {
            dispatch();
        }
    }

    /** Hands the jobs collected so far to a verify worker. */
    void dispatch() {
        if (group.isEmpty()) {
            return;
        }
        List<ChunkJob> g = group;
        group = new ArrayList<>(groupSize);
        workers.execute(decoder -> verifyGroup(g, decoder));
    }

    /** A job that needs no verify worker (a zero run, a chunk checked in place) goes straight to the writer. */
    void toWriter(ChunkJob j) {
        handedOn(j);
        toWriter.add(List.of(j));
    }

    private void handedOn(ChunkJob j) {
        synchronized (settled) {
            submitted++;
        }
    }

    /** Waits until every job handed on has been written or sent back. */
    void awaitSettled() throws IOException {
        dispatch();
        try {
            synchronized (settled) {
                while (finished < submitted && !failure.stopped()) {
                    settled.wait(100);
                }
            }
        } catch (InterruptedException e) {
            throw PipelineFailure.interrupted();
        }
        failure.check();
    }

    /** After {@link #awaitSettled}: the chunks whose local copy failed its check, in chunk order. */
    List<Long> takeFallbacks() {
        List<Long> retry = new ArrayList<>();
        for (Long i; (i = fallbacks.poll()) != null; ) {
            retry.add(i);
        }
        retry.sort(null);
        return retry;
    }

    /** No more jobs for this image. */
    void end() {
        toWriter.add(END);
    }

    // ---- verify workers ----

    private void verifyGroup(List<ChunkJob> g, ChunkDecoder decoder) {
        List<ChunkJob> verified = new ArrayList<>(g.size());
        for (ChunkJob j : g) {
            if (failure.stopped()) {
                return;
            }
            try {
                if (verifier.verify(j, decoder)) {
                    verified.add(j);
                } else {
                    // Costs a download, never a wrong byte.
                    fallbacks.add(j.index);
                    pool.give(j);
                    settle();
                }
            } catch (Throwable t) {
                fail(t);
                return;
            }
        }
        if (!verified.isEmpty()) {
            toWriter.add(verified);
        }
    }

    // ---- writer thread ----

    /**
     * The next group for the writer, {@link #END}, or null once the pipeline has failed or stopped: groups still
     * queued then are not written (a resume must find nothing past its journal's window that it did not write).
     */
    List<ChunkJob> forWriter() throws InterruptedException {
        while (!failure.stopped()) {
            List<ChunkJob> jobs = toWriter.poll(100, TimeUnit.MILLISECONDS);
            if (jobs != null) {
                return jobs;
            }
        }
        return null;
    }

    /** True once the pipeline has failed or stopped: the writer writes no further job. */
    boolean stopped() {
        return failure.stopped();
    }

    /** A job is written: settled. Its buffer goes back with its group ({@link #written}). */
    void settle() {
        synchronized (settled) {
            finished++;
            settled.notifyAll();
        }
    }

    /** Written jobs give their buffers back to the pool. */
    void written(List<ChunkJob> written) {
        written.forEach(pool::give);
    }

    // ---- any thread ----

    void fail(Throwable t) {
        failure.fail(t);
        synchronized (settled) {
            settled.notifyAll();
        }
    }
}
