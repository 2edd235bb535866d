package dev.tandem.agent.managed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tandem.agent.ActionJournal;
import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentState;
import dev.tandem.agent.ddi.TestTls;
import dev.tandem.testsupport.RawHttpServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The managed agent against a hostile or intercepted DDI server (SECURITY.md, "Hostile or intercepted update
 * server"): it never goes silent (every failure is one line and a backoff, and a process that cannot go on
 * stops so that its unit restarts it), and its token never leaves the configured server.
 */
class ManagedAgentHostileServerTest {

    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    // ---- never silent ---------------------------------------------------------------------------------------

    @Test
    void anEndlessPollAnswerIsOneLineAndPollingGoesOn() throws Exception {
        RawHttpServer server = new RawHttpServer(FakeDdi.ddi((req, out) -> {
            RawHttpServer.openHead(out, 200);
            out.write("{\"config\":\"".getBytes(StandardCharsets.US_ASCII));
            RawHttpServer.repeat(out, "x".getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE);
        }, (req, out) -> RawHttpServer.answer(out, 404, "text/plain", new byte[0])));
        try (FakeDdi d = new FakeDdi(dir, server, "")) {
            d.start();
            assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> d.polls() >= 4, "4 polls"));
            assertThat(d.hasLine("agent: IDLE: GET " + server.uri() + FakeDdi.BASE + ": answer too large (more than"
                    + " 1048576 bytes; the limit is 1 MiB); trying again in")).isTrue();
            assertOneLineEach(d);
        }
    }

    @Test
    void anErrorThrownInAStepIsLoggedAndBackedOff() throws Exception {
        RawHttpServer server = new RawHttpServer(FakeDdi.ddi(
                (req, out) -> FakeDdi.json(out, FakeDdi.pollWith("deploymentBase", "http://127.0.0.1:"
                        + req.header("Host").replaceAll(".*:", "") + FakeDdi.BASE + "/deploymentBase/3")),
                (req, out) -> FakeDdi.json(out, "{\"id\":\"3\",\"deployment\":{\"download\":\"forced\","
                        + "\"update\":\"forced\",\"chunks\":[]}}")));
        AtomicInteger thrown = new AtomicInteger();
        try (FakeDdi d = new FakeDdi(dir, server, "")) {
            d.start(new AgentListener() {
                @Override
                public void line(String text) {
                    // Inside the DEPLOYMENT step, once: as a bug or a broken library would.
                    if (text.contains("no tandem bundle") && thrown.getAndIncrement() == 0) {
                        throw new LinkageError("test: a class went missing");
                    }
                }
            });
            assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> !d.feedback().isEmpty(), "the failure report"));
            assertThat(d.hasLine("agent: DEPLOYMENT: java.lang.LinkageError: test: a class went missing; trying again"
                    + " in")).isTrue();
            assertThat(d.feedback().get(0)).contains("\"finished\":\"failure\"").contains("no tandem bundle");
            assertOneLineEach(d);
        }
    }

    @Test
    void anErrorOutsideAStepIsLoggedAndBackedOff() throws Exception {
        RawHttpServer server = new RawHttpServer(FakeDdi.ddi((req, out) -> FakeDdi.json(out, "{}"),
                (req, out) -> RawHttpServer.answer(out, 404, "text/plain", new byte[0])));
        AtomicInteger entered = new AtomicInteger();
        try (FakeDdi d = new FakeDdi(dir, server, "")) {
            d.start(new AgentListener() {
                @Override
                public void entered(AgentState state, ActionJournal journal) {
                    if (entered.getAndIncrement() == 1) {
                        throw new AssertionError("test: a listener failed");
                    }
                }
            });
            assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> d.polls() >= 5, "5 polls"));
            assertThat(d.hasLine("agent: IDLE: java.lang.AssertionError: test: a listener failed; trying again"))
                    .isTrue();
        }
    }

    @Test
    void exceptionsInARowAreRetriedForEver() throws Exception {
        RawHttpServer server = new RawHttpServer(FakeDdi.ddi((req, out) -> FakeDdi.json(out, "{}"),
                (req, out) -> RawHttpServer.answer(out, 404, "text/plain", new byte[0])));
        AtomicInteger entered = new AtomicInteger();
        try (FakeDdi d = new FakeDdi(dir, server, "")) {
            d.start(new AgentListener() {
                @Override
                public void entered(AgentState state, ActionJournal journal) {
                    // tandem's own errors (a busy lock, slot I/O) are unchecked: they pass, the agent waits.
                    if (entered.incrementAndGet() <= 3 * ManagedAgent.MAX_UNEXPECTED_FAILURES) {
                        throw new IllegalStateException("test: busy");
                    }
                }
            });
            assertTimeoutPreemptively(BOUND, () -> d.await(BOUND,
                    () -> entered.get() > 3 * ManagedAgent.MAX_UNEXPECTED_FAILURES + 2, "steps after the failures"));
            assertThat(d.hasLine("cannot go on")).isFalse();
        }
    }

    @Test
    void outOfMemoryStopsTheAgentSoThatItsUnitRestartsIt() throws Exception {
        RawHttpServer server = new RawHttpServer(FakeDdi.ddi(
                (req, out) -> FakeDdi.json(out, FakeDdi.pollWith("deploymentBase", "http://127.0.0.1:"
                        + req.header("Host").replaceAll(".*:", "") + FakeDdi.BASE + "/deploymentBase/3")),
                (req, out) -> FakeDdi.json(out, "{\"id\":\"3\",\"deployment\":{\"download\":\"forced\","
                        + "\"update\":\"forced\",\"chunks\":[]}}")));
        try (FakeDdi d = new FakeDdi(dir, server, "")) {
            d.start(new AgentListener() {
                @Override
                public void line(String text) {
                    if (text.contains("no tandem bundle")) {
                        throw new OutOfMemoryError("test: Java heap space");
                    }
                }
            });
            IllegalStateException e = assertTimeoutPreemptively(BOUND,
                    () -> assertThrows(IllegalStateException.class, d.agent::awaitStopped));
            assertThat(e.getMessage()).isEqualTo("agent: DEPLOYMENT: java.lang.OutOfMemoryError: test: Java heap"
                    + " space; the agent cannot go on and exits for its service manager to restart it");
            long polls = d.polls();
            Thread.sleep(500);
            assertThat(d.polls()).as("stopped polling").isEqualTo(polls);
        }
    }

    @Test
    void theAgentProcessExitsNonZeroWhenItCannotGoOn() throws Exception {
        RawHttpServer server = new RawHttpServer(FakeDdi.ddi(
                (req, out) -> FakeDdi.json(out, FakeDdi.pollWith("deploymentBase", "http://127.0.0.1:"
                        + req.header("Host").replaceAll(".*:", "") + FakeDdi.BASE + "/deploymentBase/3")),
                (req, out) -> FakeDdi.json(out, "{\"id\":\"3\",\"deployment\":{\"download\":\"forced\","
                        + "\"update\":\"forced\",\"chunks\":[]}}")));
        try (FakeDdi d = new FakeDdi(dir, server, "")) {
            // As systemd runs it: its own JVM, the unit's heap; the OutOfMemoryError is injected at a known line.
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    AgentProcess.class.getName(), d.device.configFile.toString(), "oom:no tandem bundle")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile()).start();
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String out = Files.readString(dir.resolve("agent.log"), StandardCharsets.UTF_8);
            assertThat(ended).as("the process ended on its own; it said:\n" + out).isTrue();
            assertThat(p.exitValue()).as(out).isNotZero();
            assertThat(out).contains("agent: DEPLOYMENT: java.lang.OutOfMemoryError: injected at 'no tandem bundle';"
                    + " the agent cannot go on and exits for its service manager to restart it");
        }
    }

    @Test
    void errorsInARowStopTheAgent() throws Exception {
        RawHttpServer server = new RawHttpServer(FakeDdi.ddi((req, out) -> FakeDdi.json(out, "{}"),
                (req, out) -> RawHttpServer.answer(out, 404, "text/plain", new byte[0])));
        try (FakeDdi d = new FakeDdi(dir, server, "")) {
            d.start(new AgentListener() {
                @Override
                public void entered(AgentState state, ActionJournal journal) {
                    throw new NoClassDefFoundError("test: always");
                }
            });
            IllegalStateException e = assertTimeoutPreemptively(BOUND,
                    () -> assertThrows(IllegalStateException.class, d.agent::awaitStopped));
            assertThat(e.getMessage()).contains("java.lang.NoClassDefFoundError: test: always ("
                    + ManagedAgent.MAX_UNEXPECTED_FAILURES + " errors in a row); the agent cannot go on");
        }
    }

    // ---- the token stays on the server ----------------------------------------------------------------------

    @Test
    void aDeploymentLinkToAnotherServerFailsTheActionWithoutFollowingIt() throws Exception {
        try (RawHttpServer elsewhere = new RawHttpServer((req, out) -> FakeDdi.json(out, "{}"))) {
            String link = elsewhere.uri() + FakeDdi.BASE + "/deploymentBase/5";
            RawHttpServer server = new RawHttpServer(FakeDdi.ddi(
                    (req, out) -> FakeDdi.json(out, FakeDdi.pollWith("deploymentBase", link)),
                    (req, out) -> RawHttpServer.answer(out, 404, "text/plain", new byte[0])));
            try (FakeDdi d = new FakeDdi(dir, server, "")) {
                d.start();
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> !d.feedback().isEmpty(), "a report"));
                assertThat(server.requests()).filteredOn(r -> r.path().endsWith("/feedback")).first()
                        .satisfies(r -> assertThat(r.path()).isEqualTo(FakeDdi.BASE + "/deploymentBase/5/feedback"));
                assertThat(d.feedback().get(0)).contains("\"finished\":\"failure\"")
                        .contains("refused: not on the configured server");
                assertThat(elsewhere.requests()).as("nothing, least of all the token, went elsewhere").isEmpty();
            }
        }
    }

    @Test
    void aCancelLinkToAnotherServerIsNotFollowed() throws Exception {
        try (RawHttpServer elsewhere = new RawHttpServer((req, out) -> FakeDdi.json(out, "{}"))) {
            String link = elsewhere.uri() + FakeDdi.BASE + "/cancelAction/6";
            RawHttpServer server = new RawHttpServer(FakeDdi.ddi(
                    (req, out) -> FakeDdi.json(out, FakeDdi.pollWith("cancelAction", link)),
                    (req, out) -> RawHttpServer.answer(out, 404, "text/plain", new byte[0])));
            try (FakeDdi d = new FakeDdi(dir, server, "")) {
                d.start();
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> d.polls() >= 3, "3 polls"));
                assertThat(d.hasLine("cancelAction link " + elsewhere.uri() + FakeDdi.BASE + "/cancelAction/6"
                        + " refused")).isTrue();
                assertThat(elsewhere.requests()).isEmpty();
            }
        }
    }

    @Test
    void anArtifactOnAnotherServerIsRefusedByDefault() throws Exception {
        try (RawHttpServer elsewhere = new RawHttpServer((req, out) ->
                RawHttpServer.answer(out, 404, "text/plain", new byte[0]))) {
            RawHttpServer server = artifactServer(elsewhere.uri() + "/b.tandem", elsewhere.uri() + "/b.tandem");
            try (FakeDdi d = new FakeDdi(dir, server, "")) {
                d.start();
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> !d.feedback().isEmpty(), "a report"));
                assertThat(d.feedback().get(0)).contains("\"finished\":\"failure\"")
                        .contains("is to be downloaded from " + elsewhere.uri() + ", not from the configured server");
                assertThat(elsewhere.requests()).isEmpty();
            }
        }
    }

    @Test
    void anArtifactOnAnotherServerIsDownloadedWithoutTheTokenWhenAllowed() throws Exception {
        try (RawHttpServer elsewhere = new RawHttpServer((req, out) ->
                RawHttpServer.answer(out, 404, "text/plain", new byte[0]))) {
            RawHttpServer server = artifactServer(null, elsewhere.uri() + "/b.tandem");
            try (FakeDdi d = new FakeDdi(dir, server, "allow-foreign-artifact-hosts = true\n"
                    + "[http]\nheaders = { X-Fleet-Key = \"fleet-secret\" }\n")) {
                d.start();
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> !elsewhere.requests().isEmpty(),
                        "a download request"));
                assertThat(elsewhere.requests()).allSatisfy(r -> {
                    assertThat(r.path()).isEqualTo("/b.tandem");
                    assertThat(r.header("Authorization")).isNull();
                    assertThat(r.header("X-Fleet-Key")).isNull();
                });
                assertThat(server.requests()).filteredOn(r -> r.method().equals("GET"))
                        .allSatisfy(r -> assertThat(r.header("Authorization")).isEqualTo("TargetToken secret"));
            }
        }
    }

    @Test
    void theHttpHeadersReachTheServersDdiRequestsAsTheyReachItsDownloads() throws Exception {
        // One [http] configuration for the server: a header its reverse proxy wants is on the polls too.
        RawHttpServer server = new RawHttpServer((req, out) -> RawHttpServer.json(out,
                "{\"config\":{\"polling\":{\"sleep\":\"00:00:01\"}}}"));
        try (FakeDdi d = new FakeDdi(dir, server, "[http]\nheaders = { X-Fleet-Key = \"fleet-secret\" }\n")) {
            d.start();
            assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> !server.requests().isEmpty(), "a poll"));
            assertThat(server.requests()).allSatisfy(r -> {
                assertThat(r.header("X-Fleet-Key")).isEqualTo("fleet-secret");
                assertThat(r.header("Authorization")).isEqualTo("TargetToken secret");
            });
        }
    }

    @Test
    void anHttpsServersBundleIsNeverDownloadedOverHttp() throws Exception {
        Assumptions.assumeTrue(TestTls.available(dir), "openssl not installed");
        TestTls tls = TestTls.create(dir.resolve("tls"));
        try (RawHttpServer elsewhere = new RawHttpServer((req, out) ->
                RawHttpServer.answer(out, 404, "text/plain", new byte[0]))) {
            AtomicInteger port = new AtomicInteger();
            RawHttpServer server = new RawHttpServer(FakeDdi.ddi(
                    (req, out) -> FakeDdi.json(out, FakeDdi.pollWith("deploymentBase", "https://127.0.0.1:"
                            + port.get() + FakeDdi.BASE + "/deploymentBase/8")),
                    (req, out) -> FakeDdi.json(out, FakeDdi.deployment("8", null, "http://127.0.0.1:" + port.get()
                            + "/b.tandem"))), tls.server());
            port.set(server.port());
            try (FakeDdi d = new FakeDdi(dir, server, "ca-file = \"" + tls.caPem() + "\"\n"
                    + "allow-foreign-artifact-hosts = true\n")) {
                d.start();
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> !d.feedback().isEmpty(), "a report"));
                assertThat(d.feedback().get(0)).contains("\"finished\":\"failure\"")
                        .contains("never downloaded over http");
                assertThat(elsewhere.requests()).isEmpty();
            }
        }
    }

    /** A DDI server offering action 7, whose bundle has the given download links. */
    private static RawHttpServer artifactServer(String download, String downloadHttp) throws Exception {
        AtomicInteger port = new AtomicInteger();
        RawHttpServer server = new RawHttpServer(FakeDdi.ddi(
                (req, out) -> FakeDdi.json(out, FakeDdi.pollWith("deploymentBase", "http://127.0.0.1:" + port.get()
                        + FakeDdi.BASE + "/deploymentBase/7")),
                (req, out) -> FakeDdi.json(out, FakeDdi.deployment("7", download, downloadHttp))));
        port.set(server.port());
        return server;
    }

    private static void assertOneLineEach(FakeDdi d) {
        for (String line : new ArrayList<>(d.lines)) {
            assertThat(line).doesNotContain("\n").doesNotContain("\r").hasSizeLessThan(1000);
        }
    }
}
