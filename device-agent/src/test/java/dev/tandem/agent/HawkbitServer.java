package dev.tandem.agent;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Eclipse hawkBit 0.3.0M7 update server (DDI + Management API) in a child JVM on 127.0.0.1, built by
 * {@code .ci/setup.d/50-hawkbit.sh}. Its H2 database is a file (not hawkBit's default in-memory one), so a
 * {@link #restart()} keeps targets, actions and artifacts. One server serves every hawkBit test of a run
 * ({@link #shared}); it is stopped when the run ends.
 */
public final class HawkbitServer implements AutoCloseable {

    /** Where the setup script puts the jar, unless {@code tandem.hawkbit.jar} or TANDEM_HAWKBIT_JAR say otherwise. */
    public static Optional<Path> jar() {
        String explicit = System.getProperty("tandem.hawkbit.jar", System.getenv("TANDEM_HAWKBIT_JAR"));
        Path p;
        if (explicit != null) {
            p = Path.of(explicit);
        } else {
            String cache = System.getenv("TANDEM_CACHE_DIR");
            if (cache == null) {
                String xdg = System.getenv("XDG_CACHE_HOME");
                cache = (xdg != null ? xdg : System.getProperty("user.home") + "/.cache") + "/tandem";
            }
            p = Path.of(cache, "hawkbit", "hawkbit-server-0.3.0M7.jar");
        }
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** The message for a skipped test. */
    public static final String MISSING = "hawkBit test server jar not built (run .ci/setup.d/50-hawkbit.sh, or set"
            + " TANDEM_HAWKBIT_JAR)";

    /** The server of this test run, started on first use and stopped when the run ends. */
    public static HawkbitServer shared(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(HawkbitServer.class, k -> {
                    try {
                        HawkbitServer s = new HawkbitServer(jar().orElseThrow(), Files.createTempDirectory("hawkbit"));
                        s.start();
                        return s;
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, HawkbitServer.class);
    }

    private final Path jar;
    private final Path dir;
    private final int port;
    private Process process;
    private int starts;
    /** Seconds each start took until the Management API answered. */
    public final List<Double> startSeconds = new ArrayList<>();

    public HawkbitServer(Path jar, Path dir) throws IOException {
        this.jar = jar;
        this.dir = dir;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Starts the server and waits until the Management API answers. */
    public void start() throws IOException {
        String javaHome = System.getenv().getOrDefault("HAWKBIT_JAVA_HOME", System.getProperty("java.home"));
        Path log = dir.resolve("server-" + (++starts) + ".log");
        List<String> cmd = List.of(Path.of(javaHome, "bin", "java").toString(),
                // Fine for a test server (not for the device): small heap, quick JIT, one GC thread.
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-jar", jar.toString(),
                "--server.address=127.0.0.1", "--server.port=" + port,
                "--org.eclipse.hawkbit.repository.file.path=" + dir.resolve("artifacts"),
                // hawkBit's default URL is in-memory; MODE=MySQL is what its H2 migrations are written for.
                "--spring.datasource.url=jdbc:h2:file:" + dir.resolve("db/hawkbit") + ";MODE=MySQL;",
                "--hawkbit.controller.minPollingTime=00:00:01",
                "--logging.level.root=WARN", "--logging.level.org.eclipse.hawkbit=WARN");
        long t0 = System.nanoTime();
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(base().resolve("/rest/v1/system/configs"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(
                        StandardCharsets.US_ASCII))).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("hawkBit exited during startup: " + tail(log));
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    startSeconds.add((System.nanoTime() - t0) / 1e9);
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for hawkBit", e);
            }
            sleep(500);
        }
        stop();
        throw new IOException("hawkBit not ready after 300 s: " + tail(log));
    }

    /** Stops the server (SIGTERM: Spring shuts down in about a second). */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    /** Stops and starts again; targets, actions and artifacts survive (file database). */
    public void restart() throws IOException {
        stop();
        start();
    }

    /**
     * Kills the server (SIGKILL) and starts it again. A graceful stop would let Jetty finish the downloads in
     * progress first; this cuts them off where they are, as a crash or a redeployment behind a proxy does.
     */
    public void killAndRestart() throws IOException {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        start();
    }

    /** Resident memory of the server process in KiB, or -1. */
    public long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        stop();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
