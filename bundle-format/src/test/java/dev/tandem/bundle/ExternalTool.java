package dev.tandem.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs the real tools the tests compare bundles with (GNU tar, openssl). */
final class ExternalTool {

    /** Exit code and combined output of one command. */
    record Result(int exitCode, String output) {
    }

    private ExternalTool() {
    }

    /** Skips the test, saying why, when {@code tool} is not on the PATH. */
    static void assume(String tool) {
        Assumptions.assumeTrue(run(Path.of("."), "sh", "-c", "command -v " + tool).exitCode() == 0,
                tool + " is not installed");
    }

    /** Skips the test unless {@code tar} is GNU tar (the tests use its options and listing format). */
    static void assumeGnuTar() {
        assume("tar");
        Assumptions.assumeTrue(run(Path.of("."), "tar", "--version").output().contains("GNU tar"),
                "tar is not GNU tar");
    }

    static Result run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Runs a command that must succeed; returns its output. */
    static String ok(Path dir, String... command) {
        Result r = run(dir, command);
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + r.exitCode() + ":\n" + r.output());
        }
        return r.output();
    }
}
