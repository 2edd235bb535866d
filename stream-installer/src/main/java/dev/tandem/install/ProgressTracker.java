package dev.tandem.install;

import dev.tandem.bundle.BundleSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts an install's bytes and turns them into {@link InstallProgress} events, at most five a second,
 * with a rate over the last few seconds (an exponentially weighted average, so a stall shows quickly).
 */
final class ProgressTracker {

    private static final long INTERVAL_NANOS = 200_000_000L;

    private final InstallListener listener;
    private volatile long imageBytesTotal;
    private final AtomicLong imageBytesDone = new AtomicLong();
    private final AtomicLong reused = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private volatile BundleSource source;
    private volatile String image = "";
    private volatile String slot = "";
    private volatile long chunksTotal;
    private final AtomicLong chunksDone = new AtomicLong();
    private long lastEmit;
    private long lastBytes;
    private double rate;

    ProgressTracker(InstallListener listener, long imageBytesTotal) {
        this.listener = listener;
        this.imageBytesTotal = imageBytesTotal;
    }

    void total(long imageBytesTotal) {
        this.imageBytesTotal = imageBytesTotal;
    }

    void source(BundleSource source) {
        this.source = source;
    }

    void startImage(String image, String slot, long chunks, long alreadyDoneBytes, long alreadyDoneChunks) {
        this.image = image;
        this.slot = slot;
        this.chunksTotal = chunks;
        this.chunksDone.set(alreadyDoneChunks);
        imageBytesDone.addAndGet(alreadyDoneBytes);
    }

    void phase(InstallPhase phase, String detail) {
        listener.phase(phase, detail);
    }

    void note(String message) {
        listener.note(message);
    }

    void chunkDone(int length, ChunkRoutes.Route route) {
        imageBytesDone.addAndGet(length);
        chunksDone.incrementAndGet();
        switch (route) {
            case IN_PLACE, LOCAL, ASSEMBLE -> reused.addAndGet(length);
            default -> { }
        }
        if (route != ChunkRoutes.Route.IN_PLACE) {
            written.addAndGet(length);
        }
        maybeEmit(false);
    }

    /** Emits now, whatever the interval (start and end of an image). */
    void flush() {
        maybeEmit(true);
    }

    long downloaded() {
        BundleSource s = source;
        return s == null ? 0 : s.bytesReceived();
    }

    long reused() {
        return reused.get();
    }

    long written() {
        return written.get();
    }

    private synchronized void maybeEmit(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastEmit < INTERVAL_NANOS) {
            return;
        }
        long done = imageBytesDone.get();
        if (lastEmit != 0) {
            double seconds = (now - lastEmit) / 1e9;
            double instant = seconds > 0 ? (done - lastBytes) / seconds : rate;
            rate = rate == 0 ? instant : 0.7 * rate + 0.3 * instant;
        }
        lastEmit = now;
        lastBytes = done;
        long eta = rate > 0 ? (long) ((imageBytesTotal - done) / rate) : -1;
        listener.progress(new InstallProgress(image, slot, chunksDone.get(), chunksTotal, done, imageBytesTotal,
                downloaded(), reused.get(), written.get(), rate, eta));
    }
}
