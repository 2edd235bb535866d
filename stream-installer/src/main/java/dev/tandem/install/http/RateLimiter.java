package dev.tandem.install.http;

/**
 * Token bucket for {@code --max-rate}: the reader pays for bytes as it takes them, so a throttled reader stops
 * draining the buffer and backpressure slows the socket too. A burst of up to 1/4 s (at least 64 KiB) is allowed.
 */
final class RateLimiter {

    private final long bytesPerSecond;
    private final long burstNanos;
    private long nextFreeNanos;

    RateLimiter(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        long burstBytes = Math.max(64 * 1024, bytesPerSecond / 4);
        this.burstNanos = bytesPerSecond == 0 ? 0 : burstBytes * 1_000_000_000L / bytesPerSecond;
        this.nextFreeNanos = System.nanoTime();
    }

    /** Waits until {@code bytes} may be handed on. */
    void acquire(long bytes) throws java.io.InterruptedIOException {
        if (bytesPerSecond == 0 || bytes <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (nextFreeNanos < now - burstNanos) {
            nextFreeNanos = now - burstNanos;
        }
        nextFreeNanos += (long) (bytes * (1_000_000_000.0 / bytesPerSecond));
        long wait = nextFreeNanos - now;
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while throttled");
            }
        }
    }
}
