package dev.tandem.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real command-line tools tests compare tandem with (GNU tar, openssl, softhsm2-util, pkcs11-tool): one
 * command, its combined output and exit code, a two-minute bound; a test skips, saying why, when a tool is missing.
 */
public final class ExternalTool {

    /** Exit code and combined output of one command. */
    public record Result(int exitCode, String output) {
    }

    private ExternalTool() {
    }

    /** Whether {@code tool} is on the PATH. */
    public static boolean available(String tool) {
        return run(Path.of("."), "sh", "-c", "command -v " + tool).exitCode() == 0;
    }

    /** Skips the test, saying why, when {@code tool} is not on the PATH. */
    public static void assume(String tool) {
        Assumptions.assumeTrue(available(tool), tool + " is not installed");
    }

    /** Skips the test unless {@code tar} is GNU tar (for tests that use its options and listing format). */
    public static void assumeGnuTar() {
        assume("tar");
        Assumptions.assumeTrue(run(Path.of("."), "tar", "--version").output().contains("GNU tar"),
                "tar is not GNU tar");
    }

    /** Runs {@code command} in {@code dir} with no input; an AssertionError when it cannot run or takes 2 min. */
    public static Result run(Path dir, String... command) {
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
    public static String ok(Path dir, String... command) {
        Result r = run(dir, command);
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + r.exitCode() + ":\n" + r.output());
        }
        return r.output();
    }
}
