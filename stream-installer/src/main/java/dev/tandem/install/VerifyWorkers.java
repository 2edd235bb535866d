package dev.tandem.install;

import dev.tandem.bundle.ChunkDecoder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The verify threads ({@code install-verify-N}) and the one {@link ChunkDecoder} (a zstd context, native memory)
 * each thread keeps, made when a thread first needs one; the fetch thread gets one too, for its in-place checks.
 * {@link #close} frees them all.
 */
final class VerifyWorkers implements AutoCloseable {

    private final ExecutorService threads;
    private final List<ChunkDecoder> all = new CopyOnWriteArrayList<>();
    private final ThreadLocal<ChunkDecoder> decoders = ThreadLocal.withInitial(() -> {
        ChunkDecoder d = new ChunkDecoder();
        all.add(d);
        return d;
    });

    VerifyWorkers(int count) {
        AtomicInteger n = new AtomicInteger();
        threads = Executors.newFixedThreadPool(count, r -> {
            Thread t = new Thread(r, "install-verify-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code task} on a verify thread, with that thread's decoder. */
    void execute(Consumer<ChunkDecoder> task) {
        threads.execute(() -> task.accept(decoders.get()));
    }

    /** Runs {@code task} on a verify thread without a decoder (hashing a slot, {@link SlotReader#hashSlot}). */
    void execute(Runnable task) {
        threads.execute(task);
    }

    /** The calling thread's decoder. */
    ChunkDecoder decoder() {
        return decoders.get();
    }

    /** Stops the threads (interrupting a task that waits) and frees every decoder once they have ended. */
    @Override
    public void close() {
        threads.shutdownNow();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        all.forEach(ChunkDecoder::close);
    }
}
