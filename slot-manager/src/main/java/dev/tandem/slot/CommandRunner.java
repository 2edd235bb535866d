package dev.tandem.slot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command (health checks, hooks, the reboot command) with a timeout, capturing the tail of its
 * output for failure reasons. A command that overruns is killed with all its descendants, so a hung health
 * check cannot hold boot-check, and with it the decision about the slot, forever. The device agent runs its
 * metered-link check with it too.
 */
public final class CommandRunner {

    /** How much output is kept: enough for a reason line, bounded whatever the command prints. */
    static final int OUTPUT_TAIL_BYTES = 4096;

    /**
     * @param exitCode the exit status, -1 when it timed out or could not start
     * @param timedOut whether it was killed for overrunning
     * @param output   the last {@value #OUTPUT_TAIL_BYTES} bytes of stdout and stderr, or why it did not start
     */
    public record Result(int exitCode, boolean timedOut, String output) {

        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** For a reason line: "exited 3: battery low", "timed out after 1 s". */
        public String describe(Duration timeout) {
            if (timedOut) {
                return "timed out after " + human(timeout);
            }
            String last = lastLine(output);
            return (exitCode < 0 ? "did not run" : "exited " + exitCode) + (last.isEmpty() ? "" : ": " + last);
        }
    }

    private CommandRunner() {
    }

    /** {@code sh -c command}: health checks, hooks and the reboot command are shell lines in system.toml. */
    public static Result shell(String command, Map<String, String> env, Duration timeout) {
        return run(List.of("/bin/sh", "-c", command), env, timeout);
    }

    public static Result run(List<String> argv, Map<String, String> env, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(-1, false, e.getMessage());
        }
        TailReader tail = new TailReader(p.getInputStream());
        Thread reader = new Thread(tail, "tandem-cmd-output");
        reader.setDaemon(true);
        reader.start();
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            // A background grandchild may keep the pipe open; do not wait for it beyond a moment.
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Result(finished ? p.exitValue() : -1, !finished, tail.text());
    }

    /** The last line of a command's output, for a one-line reason (e.g. the state {@code systemctl} printed). */
    public static String lastLine(String output) {
        String t = output == null ? "" : output.strip();
        int nl = t.lastIndexOf('\n');
        return nl < 0 ? t : t.substring(nl + 1).strip();
    }

    static String human(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + " ms";
        }
        return d.toSeconds() + " s";
    }

    /** Keeps the last bytes of a stream. */
    private static final class TailReader implements Runnable {
        private final InputStream in;
        private final byte[] ring = new byte[OUTPUT_TAIL_BYTES];
        private long total;

        TailReader(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buf = new byte[1024];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (this) {
                        for (int i = 0; i < n; i++) {
                            ring[(int) (total++ % ring.length)] = buf[i];
                        }
                    }
                }
            } catch (IOException ignored) {
                // The process died or was killed; what was read so far is the output.
            }
        }

        synchronized String text() {
            int len = (int) Math.min(total, ring.length);
            byte[] out = new byte[len];
            long start = total - len;
            for (int i = 0; i < len; i++) {
                out[i] = ring[(int) ((start + i) % ring.length)];
            }
            return new String(out, StandardCharsets.UTF_8);
        }
    }
}
