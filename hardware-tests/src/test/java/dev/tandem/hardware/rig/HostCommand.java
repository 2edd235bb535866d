package dev.tandem.hardware.rig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A host tool run by the rig (sfdisk, mkfs, losetup, mkimage, ...): building disks and cross-checking, never the
 * code under test. Failures are one-line {@link RigException}s naming the command and its last stderr line.
 */
public final class HostCommand {

    /** What a finished command printed. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** The last non-empty stderr line, for one-line messages. */
        public String lastErrorLine() {
            String[] lines = stderr.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    private final List<String> command;
    private Path workDir;
    private byte[] stdin = new byte[0];
    private Duration timeout = DEFAULT_TIMEOUT;

    private HostCommand(List<String> command) {
        this.command = List.copyOf(command);
    }

    /** A command and its arguments. */
    public static HostCommand of(String... command) {
        return new HostCommand(List.of(command));
    }

    /** A command and its arguments. */
    public static HostCommand of(List<String> command) {
        return new HostCommand(command);
    }

    /** Whether {@code tool} is on the PATH. */
    public static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    public HostCommand in(Path dir) {
        this.workDir = dir;
        return this;
    }

    public HostCommand stdin(String text) {
        this.stdin = text.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    public HostCommand timeout(Duration t) {
        this.timeout = t;
        return this;
    }

    /** Runs to the end and returns what it printed, whatever its exit code. */
    public Result run() {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new RigException(this + ": cannot start: " + e.getMessage(), e);
        }
        try {
            CompletableFuture<byte[]> out = drain(p.getInputStream());
            CompletableFuture<byte[]> err = drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // the tool did not read its input; its exit code and stderr tell why
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new RigException(this + ": did not finish in " + timeout.toSeconds() + " s");
            }
            return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new RigException(this + ": interrupted", e);
        }
    }

    /** Runs and requires exit code 0; returns stdout. */
    public String ok() {
        Result r = run();
        if (r.exitCode() != 0) {
            throw new RigException(this + ": exit " + r.exitCode() + ": " + r.lastErrorLine());
        }
        return r.stdout();
    }

    /** Reads a pipe on its own thread (not the common pool, which has one thread on this 2-core machine). */
    static CompletableFuture<byte[]> drain(InputStream in) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                result.complete(in.readAllBytes());
            } catch (IOException e) {
                result.completeExceptionally(new UncheckedIOException(e));
            }
        }, "drain");
        t.setDaemon(true);
        t.start();
        return result;
    }

    @Override
    public String toString() {
        List<String> shown = new ArrayList<>(command);
        return String.join(" ", shown);
    }
}
