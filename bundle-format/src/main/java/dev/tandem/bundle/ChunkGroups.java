package dev.tandem.bundle;

/**
 * How many chunks go from one thread to the next at once, in {@code bundle create} and in an install.
 *
 * <p>Handing over single 64 KiB chunks cost several thread wake-ups (futex calls) per chunk, 79,000 for a 1 GiB
 * install, which a 2-core virtual machine pays dearly for. A group is about 512 KiB, and small enough that every
 * worker, the producer and the consumer can each hold one from the buffer pool at the same time.
 */
public final class ChunkGroups {

    private static final int GROUP_BYTES = 512 * 1024;

    private ChunkGroups() {
    }

    /**
     * @param chunkSize bytes per chunk
     * @param poolSize  chunk buffers in the pool
     * @param threads   worker threads that each hold a group
     */
    public static int size(int chunkSize, int poolSize, int threads) {
        int byBytes = Math.max(1, GROUP_BYTES / chunkSize);
        int byPool = Math.max(1, poolSize / (threads + 2));
        return Math.min(byBytes, byPool);
    }
}
