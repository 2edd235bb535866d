package dev.tandem.agent.managed;

import dev.tandem.agent.ActionJournal;
import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.AgentState;
import dev.tandem.agent.TestDevice;
import dev.tandem.testsupport.RawHttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A managed {@link TestDevice} whose DDI server is a {@link RawHttpServer} in this JVM: the test scripts the
 * answers (hostile ones included) by path, and reads what the agent sent and printed. The agent runs with short
 * intervals and a backoff of at most 200 ms, so a test sees many polls in a few seconds.
 */
final class FakeDdi implements AutoCloseable {

    /** The controller base's path on the fake server. */
    static final String BASE = "/DEFAULT/controller/v1/dev";

    static final AgentSettings FAST = new AgentSettings(Duration.ofMillis(200), Duration.ofMillis(200),
            Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofSeconds(5),
            Duration.ofSeconds(1), 20, Duration.ofMillis(200), Clock.systemUTC());

    final RawHttpServer server;
    final TestDevice device;
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    ManagedAgent agent;

    /**
     * @param server    the DDI server ({@code http} or {@code https})
     * @param extraToml appended to the {@code [agent]} table ({@code ca-file}, switches)
     */
    FakeDdi(Path dir, RawHttpServer server, String extraToml) throws IOException {
        this.server = server;
        Files.writeString(dir.resolve("token"), "secret\n");
        this.device = TestDevice.create(dir, """
                [agent]
                server = "%s"
                controller-id = "dev"
                auth = "target-token"
                token-file = "token"
                """.formatted(server.uri()) + extraToml);
    }

    /** Starts the agent with {@code listener} (which also gets every line into {@link #lines}). */
    void start(AgentListener listener) {
        agent = ManagedAgent.create(device.slots(), FAST, () -> { }, new AgentListener() {
            @Override
            public void line(String text) {
                lines.add(text);
                listener.line(text);
            }

            @Override
            public void entered(AgentState state, ActionJournal journal) {
                listener.entered(state, journal);
            }
        }, Map.of());
        agent.start();
    }

    void start() {
        start(new AgentListener() { });
    }

    /** Requests to the controller base (polls) so far. */
    long polls() {
        return server.requests().stream().filter(r -> r.method().equals("GET") && r.path().equals(BASE)).count();
    }

    /** Feedback bodies sent so far. */
    List<String> feedback() {
        return server.requests().stream().filter(r -> r.path().endsWith("/feedback")).map(RawHttpServer.Request::body)
                .toList();
    }

    /** Answers DDI by path: {@code poll} for the base, {@code other} for GETs elsewhere, 200 to every PUT/POST. */
    static RawHttpServer.Responder ddi(RawHttpServer.Responder poll, RawHttpServer.Responder other) {
        return (req, out) -> {
            if (!req.method().equals("GET")) {
                RawHttpServer.answer(out, 200, "application/json", new byte[0]);
            } else if (req.path().equals(BASE)) {
                poll.respond(req, out);
            } else {
                other.respond(req, out);
            }
        };
    }

    /** A poll answer offering the given links ({@code rel → href}). */
    static String pollWith(String rel, String href) {
        return "{\"config\":{\"polling\":{\"sleep\":\"00:00:01\"}},\"_links\":{\"" + rel + "\":{\"href\":\"" + href
                + "\"}}}";
    }

    /** A deployment of action {@code id} with one bundle whose download links are given. */
    static String deployment(String id, String downloadHref, String downloadHttpHref) {
        StringBuilder links = new StringBuilder();
        if (downloadHref != null) {
            links.append("\"download\":{\"href\":\"").append(downloadHref).append("\"}");
        }
        if (downloadHttpHref != null) {
            links.append(links.length() > 0 ? "," : "").append("\"download-http\":{\"href\":\"")
                    .append(downloadHttpHref).append("\"}");
        }
        return "{\"id\":\"" + id + "\",\"deployment\":{\"download\":\"forced\",\"update\":\"forced\",\"chunks\":[{"
                + "\"part\":\"os\",\"version\":\"2\",\"name\":\"rootfs\",\"artifacts\":[{\"filename\":\"b.tandem\","
                + "\"size\":1000,\"_links\":{" + links + "}}]}]}}";
    }

    static void json(OutputStream out, String body) throws IOException {
        RawHttpServer.json(out, body);
    }

    /** Polls {@code condition} every 50 ms until {@code timeout}. */
    void await(Duration timeout, Callable<Boolean> condition, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.call()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what
                + "; agent said:\n  " + String.join("\n  ", new ArrayList<>(lines)));
    }

    boolean hasLine(String text) {
        synchronized (lines) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }
    }

    @Override
    public void close() throws IOException {
        if (agent != null) {
            agent.stop();
        }
        server.close();
    }
}
