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
 *
 * <p>Output is bounded: the adapters parse stdout from its start, so a tool that prints more than
 * {@value #MAX_OUTPUT_BYTES} bytes on either stream is killed at once and refused (one printing endlessly filled
 * the heap). slot-manager's runner keeps a bounded tail instead, as it only needs a reason line.
 */
final class CommandRunner {

    /** The most a tool may print on stdout or on stderr: far above any state dump, far below the heap. */
    static final int MAX_OUTPUT_BYTES = 1024 * 1024;

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
        CompletableFuture<String> out = drainAsync(process, process.getInputStream(), "stdout");
        CompletableFuture<String> err = drainAsync(process, process.getErrorStream(), "stderr");
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new BootloaderException(adapter + ": " + String.join(" ", command) + " did not finish within "
                        + timeout.toSeconds() + " s");
            }
            String stdout = out.join();
            String stderr = err.join();
            if (stdout == null || stderr == null) {
                throw new BootloaderException(adapter + ": " + String.join(" ", command) + " printed more than "
                        + MAX_OUTPUT_BYTES + " bytes on " + (stdout == null ? "stdout" : "stderr") + " (killed)");
            }
            return new Result(process.exitValue(), stdout, stderr);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BootloaderException(adapter + ": interrupted while running " + command.get(0), e);
        }
    }

    private static void kill(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    /**
     * The stream's text; null when it held more than {@link #MAX_OUTPUT_BYTES}, in which case the process is
     * killed here, so that the wait for it ends now rather than at the timeout.
     */
    private CompletableFuture<String> drainAsync(Process process, InputStream in, String which) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                byte[] bytes = in.readNBytes(MAX_OUTPUT_BYTES + 1);
                if (bytes.length > MAX_OUTPUT_BYTES) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    result.complete(null);
                } else {
                    result.complete(new String(bytes, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                result.complete("");
            }
        }, "tandem-" + adapter + "-" + which);
        t.setDaemon(true);
        t.start();
        return result;
    }
}
