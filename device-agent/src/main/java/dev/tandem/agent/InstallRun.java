package dev.tandem.agent;

import dev.tandem.bundle.BundleSource;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallPhase;
import dev.tandem.install.InstallProgress;
import dev.tandem.install.InstallResult;
import dev.tandem.install.Installer;
import dev.tandem.slot.policy.InstallOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One install running on its own thread while the agent's thread keeps polling (for a cancel) and reporting
 * progress. The source is opened on the install thread too, so a slow server never blocks the agent.
 */
public final class InstallRun {

    /** Opens the bundle source; runs on the install thread. */
    @FunctionalInterface
    public interface SourceFactory {
        BundleSource open() throws java.io.IOException;
    }

    private final AtomicBoolean canceled = new AtomicBoolean();
    private final AtomicReference<InstallProgress> progress = new AtomicReference<>();
    private final AtomicReference<InstallPhase> phase = new AtomicReference<>();
    private final CompletableFuture<InstallResult> result = new CompletableFuture<>();
    private final Thread thread;

    private InstallRun(Installer installer, SourceFactory sources, InstallOptions options, Runnable whenDone) {
        this.thread = new Thread(() -> {
            try (BundleSource source = new CancellableSource(sources.open(), canceled)) {
                result.complete(installer.install(source, options, new Listener()));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            } finally {
                whenDone.run();
            }
        }, "tandem-agent-install");
        thread.setDaemon(true);
    }

    /** Starts the install; {@code whenDone} runs on the install thread when it ends, however it ends. */
    public static InstallRun start(Installer installer, SourceFactory sources, InstallOptions options, Runnable whenDone) {
        InstallRun run = new InstallRun(installer, sources, options, whenDone);
        run.thread.start();
        return run;
    }

    public boolean isDone() {
        return result.isDone();
    }

    /** The latest progress, or null before the first. */
    public InstallProgress progress() {
        return progress.get();
    }

    /** The phase the install is in, or null before the first. */
    public InstallPhase phase() {
        return phase.get();
    }

    /** Whether {@link #cancel} was called (the feed agent tells a stop from a failure by it). */
    public boolean canceled() {
        return canceled.get();
    }

    /** Asks the install to stop at its next read. */
    public void cancel() {
        canceled.set(true);
    }

    /** Interrupts the install thread (a read stuck on the network, a backoff sleep). */
    public void interrupt() {
        thread.interrupt();
    }

    /** Waits up to {@code timeout} for the end; true when it ended. */
    public boolean awaitDone(Duration timeout) {
        try {
            result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return result.isDone();
        }
    }

    /**
     * The result of an ended install.
     *
     * @throws Throwable what the install threw
     */
    public InstallResult result() throws Throwable {
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    private final class Listener implements InstallListener {
        @Override
        public void phase(InstallPhase p, String detail) {
            phase.set(p);
        }

        @Override
        public void progress(InstallProgress p) {
            progress.set(p);
        }
    }
}
