package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hand-offs of the pipeline (see {@link PipelineHandoffs}): buffers come back, jobs settle. */
class PipelineHandoffsTest {

    private static final int CHUNK = 16 * 1024;
    private final VerifyWorkers workers = new VerifyWorkers(1);

    @AfterEach
    void stop() {
        workers.close();
    }

    private PipelineHandoffs handoffs(int poolSize) {
        return new PipelineHandoffs(new PipelineFailure(), new JobPool(poolSize, CHUNK), workers, null, 4);
    }

    private static ChunkJob chunk(ChunkJob j, long i) {
        return j.of(i, ChunkRoutes.Route.DOWNLOAD, CHUNK);
    }

    @Test
    void writtenJobsGiveTheirBuffersBackSoTheFetchThreadNeverWaitsForAnUnfetchedChunk() {
        PipelineHandoffs h = handoffs(2);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            // Chunks 1 and 2 are written before chunk 0 was fetched: every buffer has been used once.
            ChunkJob one = chunk(h.take(), 1);
            ChunkJob two = chunk(h.take(), 2);
            one.verified = true;
            two.verified = true;
            h.written(List.of(one, two));
            ChunkJob zero = h.take();
            assertThat(zero).isIn(one, two);
            assertThat(zero.verified).as("a pooled job comes back unverified").isFalse();
        });
    }

    @Test
    void aJobIsSettledOnlyWhenWrittenOrSentBack() throws Exception {
        PipelineHandoffs h = handoffs(2);
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
