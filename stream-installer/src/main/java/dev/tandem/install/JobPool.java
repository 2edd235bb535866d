package dev.tandem.install;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The fixed set of chunk buffers of one pipeline: the bound on bytes in flight. Buffers are taken by the fetch
 * thread and come back from the verify workers (a local copy that failed its check) and the writer (each group
 * once it is written).
 */
final class JobPool {

    private final BlockingQueue<ChunkJob> free;

    JobPool(int size, int chunkSize) {
        free = new ArrayBlockingQueue<>(size);
        for (int k = 0; k < size; k++) {
            free.add(new ChunkJob(chunkSize));
        }
    }

    /** Number of jobs in a pool for {@code workers} verify workers and a budget of {@code inFlightBytes}. */
    static int size(int workers, long inFlightBytes, int chunkSize) {
        return (int) Math.max(workers * 2L + 2, Math.min(512, inFlightBytes / (2L * chunkSize)));
    }

    /** A free job, or null when none is free now. */
    ChunkJob poll() {
        ChunkJob j = free.poll();
        return j == null ? null : j.reset();
    }

    /** A free job, or null when none came back within {@code millis}. */
    ChunkJob poll(long millis) throws InterruptedException {
        ChunkJob j = free.poll(millis, TimeUnit.MILLISECONDS);
        return j == null ? null : j.reset();
    }

    void give(ChunkJob j) {
        free.add(j);
    }
}
