package dev.tandem.boot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a bootloader tool or script to completion with a timeout, capturing its output. Used by the adapters
 * whose bootloader state only an external program can reach (barebox-state, custom scripts).
 */
final class CommandRunner {

    /** What a finished command printed. */
    record Result(int exitCode, String stdout, String stderr) {

        /** The first non-blank line of stderr, for one-line error messages. */
        String firstErrorLine() {
            return stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
        }
    }

    private final String adapter;
    private final Duration timeout;

    CommandRunner(String adapter, Duration timeout) {
        this.adapter = adapter;
        this.timeout = timeout;
    }

    /**
     * Runs {@code command}; stdin is empty.
     *
     * @throws BootloaderException when it cannot start or outlives the timeout (it is then killed)
     */
    Result run(List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new BootloaderException(adapter + ": cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        // Drain both pipes concurrently: a chatty tool blocks on a full pipe otherwise.
        CompletableFuture<String> out = drainAsync(process.getInputStream(), "stdout");
        CompletableFuture<String> err = drainAsync(process.getErrorStream(), "stderr");
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new BootloaderException(adapter + ": " + String.join(" ", command) + " did not finish within "
                        + timeout.toSeconds() + " s");
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BootloaderException(adapter + ": interrupted while running " + command.get(0), e);
        }
    }

    private CompletableFuture<String> drainAsync(InputStream in, String which) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.complete("");
            }
        }, "tandem-" + adapter + "-" + which);
        t.setDaemon(true);
        t.start();
        return result;
    }
}
