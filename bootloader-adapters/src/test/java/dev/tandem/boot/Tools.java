package dev.tandem.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real bootloader tools in tests and tells whether they are installed. */
final class Tools {

    private Tools() {
    }

    /** What a tool run printed. */
    record Run(int exitCode, String stdout, String stderr) {
    }

    static boolean installed(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static Run run(List<String> command) {
        return run(command, Map.of());
    }

    static Run run(List<String> command, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish");
            }
            return new Run(p.exitValue(), new String(out, StandardCharsets.ISO_8859_1),
                    new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs and requires exit code 0; returns stdout. */
    static String ok(List<String> command) {
        return ok(command, Map.of());
    }

    static String ok(List<String> command, Map<String, String> env) {
        Run r = run(command, env);
        if (r.exitCode() != 0) {
            throw new AssertionError(command + " exited " + r.exitCode() + ": " + r.stderr());
        }
        return r.stdout();
    }
}
