package dev.tandem.agent.managed;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Waits between failed attempts: base · 2^(failures-1), capped, with equal jitter (half fixed, half random), so
 * that a fleet whose server went down does not come back in one synchronised wave. Not thread-safe.
 */
final class Backoff {

    private final Duration base;
    private final Duration max;
    private int failures;

    Backoff(Duration base, Duration max) {
        this.base = base;
        this.max = max;
    }

    /** Counts one more failure and returns how long to wait before the next attempt. */
    Duration next() {
        failures++;
        long delay = base.toMillis();
        for (int i = 1; i < failures && delay < max.toMillis(); i++) {
            delay *= 2;
        }
        delay = Math.max(1, Math.min(delay, max.toMillis()));
        return Duration.ofMillis(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
    }

    /** Failures since the last success. */
    int failures() {
        return failures;
    }

    /** A success: the next failure starts from the base again. */
    void reset() {
        failures = 0;
    }
}
