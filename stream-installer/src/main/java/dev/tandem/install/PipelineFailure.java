package dev.tandem.install;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The first failure of any thread of {@link ChunkPipeline}; every stage looks here before it takes more work, so
 * one failure stops them all. A pipeline that ends (done or failed) records {@link Stopped}, a signal and not an
 * error: {@link #check} passes over it, so the first real failure is what the install reports.
 */
final class PipelineFailure {

    /** The pipeline has ended: stages stop taking work. Never reported as the install's failure. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("pipeline stopped", null, false, false);
        }
    }

    private final AtomicReference<Throwable> first = new AtomicReference<>();

    /** Records {@code t} unless a failure (or the stop) came first. */
    void fail(Throwable t) {
        first.compareAndSet(null, t);
    }

    /** Ends the pipeline: from now on every stage stops. */
    void stop() {
        first.compareAndSet(null, new Stopped());
    }

    /** True once any stage failed or the pipeline stopped. */
    boolean stopped() {
        return first.get() != null;
    }

    /** Throws the first real failure, if there is one. */
    void check() throws IOException {
        Throwable t = first.get();
        if (t != null && !(t instanceof Stopped)) {
            rethrow(t);
        }
    }

    static void rethrow(Throwable t) throws IOException {
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IOException(t);
    }

    /** What a pipeline thread throws when it is interrupted while it waits: the install was interrupted. */
    static InterruptedIOException interrupted() {
        Thread.currentThread().interrupt();
        return new InterruptedIOException("install interrupted");
    }
}
