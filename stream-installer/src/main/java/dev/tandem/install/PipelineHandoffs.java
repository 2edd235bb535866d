package dev.tandem.install;

import dev.tandem.bundle.ChunkDecoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Every hand-off between the threads of {@link ChunkPipeline}, and nothing else:
 * <pre>
 *   fetch thread --group--> verify worker --group--> writer --group--> image hash --buffer--> pool --> fetch thread
 *   fetch thread --zero run, in-place chunk--> writer
 *   verify worker --local copy that failed its check--> fallbacks --> fetch thread (downloads them at the end)
 * </pre>
 * Chunks move in groups (one hand-over, at most one wake-up per group; {@link dev.tandem.bundle.ChunkGroups} says
 * why). A job is "settled" once written or sent back; the fetch thread waits for every job to settle before it
 * takes the fallbacks. The first failure of any thread goes to {@link PipelineFailure}, which every wait here checks.
 *
 * <p><b>The one cycle, and how it is broken.</b> Buffers flow in a circle, and the image hash holds written
 * buffers until every earlier chunk has been hashed. If it waits for a chunk that has no buffer yet (not fetched:
 * an adaptive install downloads in batches, after local chunks further on) while the fetch thread waits for a
 * buffer, neither moves. {@link #take} therefore first hands on the group it holds back, then, while it waits,
 * asks the hash what it waits for ({@link ImageHasher#waitsFor}) and, if that chunk was never given a buffer,
 * gives up the in-order hash ({@link ImageHasher#abandon}: its buffers go back, the image is read back instead).
 * A verify worker gives it up too when a local copy fails its check (that chunk comes only at the very end).
 */
final class PipelineHandoffs {

    /** Put to the writer after the last job: the image is all there. */
    static final List<ChunkJob> END = new ArrayList<>(0);

    private final PipelineFailure failure;
    private final JobPool pool;
    private final VerifyWorkers workers;
    private final ChunkVerifier verifier;
    private final int groupSize;
    private ImageHasher hasher;

    private final BlockingQueue<List<ChunkJob>> toWriter = new LinkedBlockingQueue<>();
    private final Queue<Long> fallbacks = new ConcurrentLinkedQueue<>();
    private final Object settled = new Object();
    private long submitted;
    private long finished;
    /** Fetch thread only: the group being collected for the next verify worker. */
    private List<ChunkJob> group;
    /** Fetch thread only: chunks that have been handed on (they have a buffer, or were written). */
    private final BitSet given = new BitSet();

    PipelineHandoffs(PipelineFailure failure, JobPool pool, VerifyWorkers workers, ChunkVerifier verifier,
                     int groupSize) {
        this.failure = failure;
        this.pool = pool;
        this.workers = workers;
        this.verifier = verifier;
        this.groupSize = groupSize;
        this.group = new ArrayList<>(groupSize);
    }

    /** The image hash whose stalls {@link #take} breaks; set before the first job moves. */
    void hashing(ImageHasher hasher) {
        this.hasher = hasher;
    }

    // ---- fetch thread ----

    /** A free job for the next chunk; waits for one to come back, breaking the cycle described above. */
    ChunkJob take() throws IOException {
        ChunkJob ready = pool.poll();
        if (ready != null) {
            return ready;
        }
        // The buffers this thread waits for may be held by the image hash, waiting for a job of this group.
        dispatch();
        while (true) {
            failure.check();
            long needed = hasher.waitsFor();
            if (needed >= 0 && !given.get((int) needed)) {
                hasher.abandon();
            }
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
        given.set((int) j.index, (int) (j.index + j.count));
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
                    // Costs a download, never a wrong byte. The download comes after every other chunk, too late
                    // for the in-order hash: give it up now, before the chunks that wait for this one fill the pool.
                    hasher.abandon();
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

    /** The next group for the writer, {@link #END}, or null once the pipeline has failed or stopped. */
    List<ChunkJob> forWriter() throws InterruptedException {
        while (true) {
            List<ChunkJob> jobs = toWriter.poll(100, TimeUnit.MILLISECONDS);
            if (jobs != null) {
                return jobs;
            }
            if (failure.stopped()) {
                return null;
            }
        }
    }

    /** A job is written: settled. Its buffer is not free yet (the image hash may hold it). */
    void settle() {
        synchronized (settled) {
            finished++;
            settled.notifyAll();
        }
    }

    /** Written jobs go to the image hash, which gives their buffers back to the pool. */
    void toHash(List<ChunkJob> written) {
        hasher.offer(written);
    }

    // ---- any thread ----

    void fail(Throwable t) {
        failure.fail(t);
        synchronized (settled) {
            settled.notifyAll();
        }
    }
}
