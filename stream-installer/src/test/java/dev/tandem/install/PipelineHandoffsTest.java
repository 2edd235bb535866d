package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The buffer cycle of the pipeline (see {@link PipelineHandoffs}) and how {@link PipelineHandoffs#take} breaks it. */
class PipelineHandoffsTest {

    private static final int CHUNK = 16 * 1024;
    private final VerifyWorkers workers = new VerifyWorkers(1);
    private ImageHasher hasher;

    @AfterEach
    void stop() {
        workers.close();
        if (hasher != null) {
            hasher.stop();
        }
    }

    private PipelineHandoffs handoffs(int poolSize, long chunks) {
        JobPool pool = new JobPool(poolSize, CHUNK);
        PipelineHandoffs h = new PipelineHandoffs(new PipelineFailure(), pool, workers, null, 4);
        hasher = new ImageHasher(chunks, CHUNK, true, p -> pool.give((ChunkJob) p));
        h.hashing(hasher);
        return h;
    }

    private static ChunkJob chunk(ChunkJob j, long i) {
        return j.of(i, ChunkRoutes.Route.DOWNLOAD, CHUNK);
    }

    @Test
    void whenTheHashHoldsEveryBufferForAChunkNeverFetchedTheFetchThreadGivesTheHashUp() {
        PipelineHandoffs h = handoffs(2, 10);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            // Chunks 1 and 2 are written and wait in the hash for chunk 0, which has no buffer: none is free.
            ChunkJob one = chunk(h.take(), 1);
            ChunkJob two = chunk(h.take(), 2);
            hasher.offer(List.of(one, two));
            ChunkJob next = h.take();
            assertThat(next).isNotNull();
        });
        assertThat(hasher.waitsFor()).as("abandoned: holds nothing").isEqualTo(-1);
    }

    @Test
    void aChunkAlreadyOnItsWayIsWaitedForAndTheHashKept() throws Exception {
        PipelineHandoffs h = handoffs(3, 3);
        ChunkJob zero = chunk(h.take(), 0);
        // Handed on: the writer (not running here) has it; the hash will get it.
        h.toWriter(zero);
        ChunkJob one = chunk(h.take(), 1);
        ChunkJob two = chunk(h.take(), 2);
        hasher.offer(List.of(one, two));
        Thread writer = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            hasher.offer(List.of(zero));
        });
        writer.start();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThat(h.take()).isNotNull());
        writer.join();
        assertThat(hasher.finish()).as("the in-order hash was kept").isNotNull();
    }

    @Test
    void aJobIsSettledOnlyWhenWrittenOrSentBack() throws Exception {
        PipelineHandoffs h = handoffs(2, 2);
        java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
        h.toWriter(chunk(h.take(), 0));
        Thread writer = new Thread(() -> {
            try {
                List<ChunkJob> jobs = h.forWriter();
                Thread.sleep(200);
                assertThat(jobs).hasSize(1);
                settled.set(true);
                h.settle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        writer.start();
        assertTimeoutPreemptively(Duration.ofSeconds(30), h::awaitSettled);
        assertThat(settled).as("awaitSettled returned only after the writer settled the job").isTrue();
        writer.join();
    }
}
