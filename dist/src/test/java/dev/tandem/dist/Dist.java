package dev.tandem.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Where the package phase put the distribution, and a way to run commands on it. */
final class Dist {

    static final Path TARGET = Path.of(System.getProperty("tandem.dist.target", "target")).toAbsolutePath();
    static final Path SOURCE = Path.of(System.getProperty("tandem.source.root", "..")).toAbsolutePath().normalize();
    static final String VERSION = System.getProperty("tandem.dist.version", "0.1.0-SNAPSHOT");

    private Dist() {
    }

    static Path tree() throws IOException {
        return only(TARGET, "tandem-" + VERSION + "-linux-", "");
    }

    static Path tarball() throws IOException {
        return only(TARGET, "tandem-" + VERSION + "-linux-", ".tar.gz");
    }

    static Path deb() throws IOException {
        return only(TARGET, "tandem_", ".deb");
    }

    private static Path only(Path dir, String prefix, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> found = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix) && (suffix.isEmpty() ? Files.isDirectory(p) : n.endsWith(suffix));
            }).toList();
            // dist.sh makes no tree without a JDK's jmods/ and no .deb without dpkg-deb, and says so in the build log
            assumeTrue(!found.isEmpty(), prefix + "*" + suffix + " was not built in " + dir
                    + " (no jmods/ in the JDK, or no dpkg-deb: see the build log)");
            assertThat(found).as("%s*%s in %s (made by mvn package)", prefix, suffix, dir).hasSize(1);
            return found.get(0);
        }
    }

    /** The result of a finished command. */
    record Result(int exit, String out, String err) {
        Result ok() {
            assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isZero();
            return this;
        }
    }

    /** Runs a command with exactly the given environment; fails the test if it takes longer than the limit. */
    static Result run(Path dir, Map<String, String> env, long timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Path out = Files.createTempFile("dist-out", ".txt");
        Path err = Files.createTempFile("dist-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                Path.of("/dev/null").toFile()));
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + String.join(" ", command)
                        + "\nstdout: " + Files.readString(out) + "\nstderr: " + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
