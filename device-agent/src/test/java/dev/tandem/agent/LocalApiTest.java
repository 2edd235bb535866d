package dev.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.agent.api.ApiClient;
import dev.tandem.agent.api.ApiProtocol;
import dev.tandem.agent.api.ApiServer;
import dev.tandem.agent.api.InstallService;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.state.SlotState;
import dev.tandem.testsupport.RawHttpServer;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local API on a simulated device (file slots, real signed bundles): a real Unix socket, real clients, real
 * installs. After every hostile or clumsy client, a fresh client is still served ({@link #stillServes}).
 */
class LocalApiTest {

    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    TestDevice device;
    InstallService service;
    ApiServer server;

    private ApiServer serve(ApiServer.Limits limits, String group) throws IOException {
        device = TestDevice.create(dir.resolve("device"), "");
        service = new InstallService(device::slots, t -> 1, Clock.systemUTC());
        ApiProtocol protocol = new ApiProtocol(service, device::slots, t -> 1, log::add);
        server = ApiServer.start(dir.resolve("run/api.sock"), group, protocol, "test", limits, log::add);
        return server;
    }

    private ApiServer serve() throws IOException {
        return serve(ApiServer.Limits.defaults(), null);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        // An install a test started and did not wait for still writes into the device's data-dir: end it before
        // JUnit deletes the directory under it.
        if (service != null) {
            service.cancel();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (service.state().path("state").asText().equals("installing") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
    }

    private ApiClient client() throws IOException {
        return ApiClient.connect(server.socket()).orElseThrow();
    }

    /** A new client connects, asks for the status and gets it: the server survived what came before. */
    private void stillServes() throws IOException {
        try (ApiClient c = client()) {
            ObjectNode status = c.call(ApiClient.request("status"));
            assertThat(status.path("ok").asBoolean()).as(status.toString()).isTrue();
            assertThat(status.path("slots").path("slots").isArray()).as(status.toString()).isTrue();
        }
    }

    private static SocketChannel raw(Path socket) throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    private static void write(SocketChannel ch, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Reads events until one matches {@code event}; fails at the end of the stream. */
    private static ObjectNode until(ApiClient c, String event, List<ObjectNode> seen) throws IOException {
        for (ObjectNode n; (n = c.read()) != null; ) {
            seen.add(n);
            if (event.equals(n.path("event").asText())) {
                return n;
            }
        }
        throw new AssertionError("no " + event + " event; saw " + seen);
    }

    @Test
    void theSocketIsReadAndWrittenByOwnerAndGroupOnlyWithTheConfiguredGroup() throws IOException {
        String group = Files.readAttributes(Path.of(System.getProperty("java.io.tmpdir")),
                java.nio.file.attribute.PosixFileAttributes.class).group().getName();
        serve(ApiServer.Limits.defaults(), group);
        Path socket = server.socket();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
        assertThat(Files.readAttributes(socket, java.nio.file.attribute.PosixFileAttributes.class).group().getName())
                .isEqualTo(group);
        // No leftover of the private directory it was bound in.
        try (var files = Files.list(socket.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("api.sock");
        }
        stillServes();
    }

    @Test
    void aSecondServerOnTheSameSocketIsRefusedAndAStaleSocketIsReplaced() throws IOException {
        serve();
        InstallService other = new InstallService(device::slots, t -> 1, Clock.systemUTC());
        ApiProtocol p = new ApiProtocol(other, device::slots, t -> 1, log::add);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ApiServer.start(server.socket(), null, p, "test",
                ApiServer.Limits.defaults(), log::add)).hasMessageContaining("another server answers");
        stillServes();
    }

    @Test
    void twoConcurrentClientsAreBothServedAndBothSeeTheEvents() throws Exception {
        serve();
        try (ApiClient a = client(); ApiClient b = client()) {
            assertThat(a.hello().path("protocol").asInt()).isEqualTo(1);
            assertThat(a.call(ApiClient.request("subscribe")).path("ok").asBoolean()).isTrue();
            assertThat(b.call(ApiClient.request("subscribe")).path("ok").asBoolean()).isTrue();
            assertThat(a.read().path("state").asText()).isEqualTo("idle");
            assertThat(b.read().path("state").asText()).isEqualTo("idle");
            // Both ask at once, on their own threads.
            CompletableFuture<ObjectNode> sa = CompletableFuture.supplyAsync(() -> call(a, "status"));
            CompletableFuture<ObjectNode> sb = CompletableFuture.supplyAsync(() -> call(b, "status"));
            assertThat(sa.get(60, TimeUnit.SECONDS).path("ok").asBoolean()).isTrue();
            assertThat(sb.get(60, TimeUnit.SECONDS).path("ok").asBoolean()).isTrue();
            Path bundle = device.bundle("2.0.0", 1 << 20);
            ObjectNode started = a.call(ApiClient.request("install").put("path", bundle.toString()));
            assertThat(started.path("ok").asBoolean()).as(started.toString()).isTrue();
            List<ObjectNode> seenA = new ArrayList<>();
            List<ObjectNode> seenB = new ArrayList<>();
            assertThat(until(a, "done", seenA).path("version").asText()).isEqualTo("2.0.0");
            assertThat(until(b, "done", seenB).path("version").asText()).isEqualTo("2.0.0");
            assertThat(seenB).extracting(n -> n.path("event").asText()).contains("state", "phase", "progress");
        }
        stillServes();
    }

    private static ObjectNode call(ApiClient c, String op) {
        try {
            return c.call(ApiClient.request(op));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anInstallThroughTheApiWritesTheSlotAndASubscriberSeesItsPhasesProgressRateAndResult() throws Exception {
        serve();
        Path bundle = device.bundle("2.0.0", 4 << 20);
        List<ObjectNode> seen = new ArrayList<>();
        try (ApiClient watcher = client(); ApiClient installer = client()) {
            watcher.call(ApiClient.request("subscribe"));
            ObjectNode started = installer.call(ApiClient.request("install").put("path", bundle.toString()));
            assertThat(started.path("ok").asBoolean()).as(started.toString()).isTrue();
            ObjectNode done = until(watcher, "done", seen);
            assertThat(done.path("activated").asBoolean()).isTrue();
            ObjectNode after = until(watcher, "state", new ArrayList<>());
            assertThat(after.path("state").asText()).isEqualTo("waiting-for-reboot");
            assertThat(after.path("last").path("outcome").asText()).isEqualTo("activated");
            assertThat(after.path("last").path("version").asText()).isEqualTo("2.0.0");
        }
        assertThat(seen.get(0).path("state").asText()).isEqualTo("idle");
        assertThat(seen).filteredOn(n -> n.path("event").asText().equals("state"))
                .extracting(n -> n.path("state").asText()).contains("installing");
        assertThat(seen).filteredOn(n -> n.path("event").asText().equals("phase"))
                .extracting(n -> n.path("phase").asText()).contains("verify_manifest", "stream", "check", "activated");
        ObjectNode last = seen.stream().filter(n -> n.path("event").asText().equals("progress"))
                .reduce((x, y) -> y).orElseThrow();
        assertThat(last.path("percent").asInt()).isEqualTo(100);
        assertThat(last.path("bytes-total").asLong()).isEqualTo(4 << 20);
        assertThat(last.has("rate")).isTrue();
        assertThat(last.has("eta-seconds")).isTrue();
        assertThat(device.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
        assertThat(device.slot("rootfs.1").version()).isEqualTo("2.0.0");
        assertThat(log).anyMatch(l -> l.startsWith("api: install of " + bundle + " asked by user "));
        stillServes();
    }

    @Test
    void anInstallAskedForWhileAnotherRunsGetsBusyWithTheRunningInstallsProgress() throws Exception {
        serve();
        CountDownLatch release = new CountDownLatch(1);
        // The first install comes from another caller of the service (as the web page's upload does) and waits.
        CompletableFuture<ObjectNode> first = service.start("upload", false, InstallOptions.defaults(), () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("the upload was aborted");
        });
        Path bundle = device.bundle("2.0.0", 1 << 20);
        try (ApiClient c = client()) {
            ObjectNode busy = c.call(ApiClient.request("install").put("path", bundle.toString()).put("id", 7));
            assertThat(busy.path("ok").asBoolean()).isFalse();
            assertThat(busy.path("id").asInt()).isEqualTo(7);
            assertThat(busy.path("error").asText()).isEqualTo("busy");
            assertThat(busy.path("agent").path("state").asText()).isEqualTo("installing");
            assertThat(busy.path("agent").path("install").path("source").asText()).isEqualTo("upload");
            assertThat(busy.path("agent").has("last")).isTrue();
            release.countDown();
            ObjectNode failed = first.get(60, TimeUnit.SECONDS);
            assertThat(failed.path("event").asText()).isEqualTo("failed");
            assertThat(failed.path("error").asText()).contains("the upload was aborted");
            // Another process holding the lock (here: this JVM's own lock) is "busy" too, naming the holder.
            try (DataDirLock held = DataDirLock.acquire(device.config().dataDir(), "boot-check")) {
                ObjectNode locked = c.call(ApiClient.request("install").put("path", bundle.toString()));
                assertThat(locked.path("error").asText()).isEqualTo("busy");
                assertThat(locked.path("message").asText()).contains("boot-check");
                ObjectNode mark = c.call(ApiClient.request("mark-good"));
                assertThat(mark.path("error").asText()).isEqualTo("busy");
            }
            // And once nothing runs, the same request installs.
            c.call(ApiClient.request("subscribe"));
            assertThat(c.call(ApiClient.request("install").put("path", bundle.toString())).path("ok").asBoolean())
                    .isTrue();
            assertThat(until(c, "done", new ArrayList<>()).path("version").asText()).isEqualTo("2.0.0");
        }
        stillServes();
    }

    @Test
    void aCancelStopsTheRunningInstallAndLeavesTheTargetUnbootable() throws Exception {
        serve();
        CountDownLatch opened = new CountDownLatch(1);
        Path bundle = device.bundle("2.0.0", 8 << 20);
        CompletableFuture<ObjectNode> run = service.start("slow", false, InstallOptions.defaults(), () -> {
            opened.countDown();
            return new SlowSource(dev.tandem.bundle.FileSource.open(bundle));
        });
        opened.await(60, TimeUnit.SECONDS);
        try (ApiClient c = client()) {
            assertThat(c.call(ApiClient.request("cancel")).path("canceled").asBoolean()).isTrue();
            ObjectNode end = run.get(60, TimeUnit.SECONDS);
            assertThat(end.path("event").asText()).isEqualTo("failed");
            assertThat(end.path("canceled").asBoolean()).isTrue();
            ObjectNode status = c.call(ApiClient.request("status"));
            assertThat(status.path("agent").path("last").path("outcome").asText()).isEqualTo("canceled");
            assertThat(c.call(ApiClient.request("cancel")).path("canceled").asBoolean()).isFalse();
        }
        assertThat(device.slot("rootfs.1").state()).isNotEqualTo(SlotState.PENDING);
        stillServes();
    }

    /**
     * A file source that reads slowly, so that a cancel finds the install running: 8 MiB at 4 KiB every 5 ms takes
     * more than 10 s (at 16 KiB it took 2.6 s: a cancel that a loaded machine delayed that long found it done).
     */
    private static final class SlowSource extends dev.tandem.bundle.FilterSource {
        SlowSource(dev.tandem.bundle.BundleSource inner) {
            super(inner);
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.read(buf, off, Math.min(len, 4 << 10));
        }
    }

    @Test
    void aClientThatDisconnectsMidSubscriptionIsForgottenAndTheInstallGoesOn() throws Exception {
        serve();
        Path bundle = device.bundle("2.0.0", 4 << 20);
        try (ApiClient c = client()) {
            c.call(ApiClient.request("subscribe"));
            c.call(ApiClient.request("install").put("path", bundle.toString()));
            until(c, "phase", new ArrayList<>());
        } // gone mid-install, with events still coming
        try (ApiClient w = client()) {
            w.call(ApiClient.request("subscribe"));
            List<ObjectNode> seen = new ArrayList<>();
            ObjectNode state = until(w, "state", seen);
            if (!state.path("state").asText().equals("waiting-for-reboot")) {
                assertThat(until(w, "done", seen).path("version").asText()).isEqualTo("2.0.0");
            }
        }
        assertTimeoutPreemptively(BOUND, () -> {
            while (server.clientCount() > 0) {
                Thread.sleep(20);
            }
        });
        assertThat(device.slot("rootfs.1").version()).isEqualTo("2.0.0");
        stillServes();
    }

    @Test
    void malformedRequestsGetOneErrorLineEachAndTheConnectionStaysUsable() throws IOException {
        serve();
        try (ApiClient c = client()) {
            for (String bad : List.of("{\"op\": \"status\"", "[1,2]", "42", "{\"v\": 2, \"op\": \"status\"}",
                    "{\"op\": 5}", "{\"op\": \"reboot\"}", "{\"op\": \"install\"}",
                    "{\"op\": \"install\", \"path\": \"relative.tandem\"}",
                    "{\"op\": \"install\", \"url\": \"file:///etc/shadow\"}",
                    "{\"op\": \"install\", \"path\": \"/x.tandem\", \"force\": \"yes\"}",
                    "{\"op\": \"mark-good\", \"slot\": \"../../etc\"}",
                    "{\"op\": \"status\", \"id\": {\"deep\": [[[[[[[[[[1]]]]]]]]]]}}")) {
                c.send((ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode());
                ObjectNode missingOp = c.read();
                assertThat(missingOp.path("error").asText()).isEqualTo("bad-request");
                writeLine(c, bad);
                ObjectNode answer = c.read();
                assertThat(answer.path("ok").asBoolean()).as(bad).isFalse();
                assertThat(answer.path("error").asText()).as(bad).isIn("bad-request", "unknown-op",
                        "unsupported-version");
                assertThat(answer.path("message").asText()).as(bad).isNotBlank().doesNotContain("\n");
            }
            // Not UTF-8 at all.
            writeBytes(c, new byte[] {(byte) 0xff, (byte) 0xfe, '\n'});
            assertThat(c.read().path("message").asText()).contains("UTF-8");
            assertThat(c.call(ApiClient.request("status")).path("ok").asBoolean()).isTrue();
        }
        stillServes();
    }

    private static void writeLine(ApiClient c, String text) throws IOException {
        writeBytes(c, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Raw bytes through the client's socket (ApiClient sends only JSON objects). */
    private static void writeBytes(ApiClient c, byte[] bytes) throws IOException {
        var f = ApiClient.class.getDeclaredFields();
        for (var field : f) {
            if (field.getType() == SocketChannel.class) {
                field.setAccessible(true);
                try {
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    while (b.hasRemaining()) {
                        ((SocketChannel) field.get(c)).write(b);
                    }
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
                return;
            }
        }
        throw new AssertionError("no channel");
    }

    @Test
    void anOverlongRequestLineGetsOneErrorAndIsSkippedToItsEnd() throws Exception {
        serve(new ApiServer.Limits(1024, 16, 1 << 20, Duration.ofSeconds(30)), null);
        try (ApiClient c = client()) {
            writeLine(c, "{\"op\":\"status\",\"pad\":\"" + "x".repeat(1_000_000) + "\"}");
            ObjectNode error = c.read();
            assertThat(error.path("error").asText()).isEqualTo("too-long");
            // The rest of the long line was skipped, not taken for requests; the next line is served.
            assertThat(c.call(ApiClient.request("status")).path("ok").asBoolean()).isTrue();
        }
        stillServes();
    }

    @Test
    void aClientThatDoesNotReadIsDroppedInsteadOfBuffered() throws Exception {
        serve(new ApiServer.Limits(8192, 16, 64 << 10, Duration.ofSeconds(30)), null);
        try (SocketChannel ch = raw(server.socket())) {
            // Thousands of requests whose answers it never reads: more than the socket buffer and the 64 KiB queue.
            String req = "{\"op\":\"no-such-op\"}\n".repeat(20_000);
            try {
                write(ch, req);
            } catch (IOException dropped) {
                // Broken pipe: the server dropped it while it was still writing.
            }
            assertTimeoutPreemptively(BOUND, () -> {
                while (server.clientCount() > 0) {
                    Thread.sleep(20);
                }
            });
        }
        assertThat(log).anyMatch(l -> l.startsWith("api: dropped user ") && l.contains("65536 bytes"));
        stillServes();
    }

    @Test
    void onlyALimitedNumberOfClientsConnectAtOnce() throws Exception {
        serve(new ApiServer.Limits(8192, 2, 1 << 20, Duration.ofSeconds(30)), null);
        try (ApiClient a = client(); ApiClient b = client(); SocketChannel third = raw(server.socket())) {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            assertTimeoutPreemptively(BOUND, () -> {
                while (third.read(buf) >= 0) {
                    // until the server closes it
                }
            });
            assertThat(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8))
                    .contains("too-many-clients");
            assertThat(a.call(ApiClient.request("status")).path("ok").asBoolean()).isTrue();
        }
        assertTimeoutPreemptively(BOUND, () -> {
            while (server.clientCount() > 0) {
                Thread.sleep(20);
            }
        });
        stillServes();
    }

    @Test
    void aClientThatNeverSendsARequestIsClosedAfterTheFirstRequestTimeout() throws Exception {
        serve(new ApiServer.Limits(8192, 16, 1 << 20, Duration.ofSeconds(1)), null);
        try (SocketChannel silent = raw(server.socket())) {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            assertTimeoutPreemptively(BOUND, () -> {
                while (silent.read(buf) >= 0) {
                    // until the server closes it
                }
            });
            assertThat(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8)).contains("timeout");
        }
        stillServes();
    }

    @Test
    void onlyRootsUrlInstallsCarryTheConfiguredHttpCredentials() throws Exception {
        device = TestDevice.create(dir.resolve("device"),
                "[http]\nheaders = { Authorization = \"Bearer s3cret\" }\nretries = 0\n");
        service = new InstallService(device::slots, t -> 1, Clock.systemUTC());
        ApiProtocol protocol = new ApiProtocol(service, device::slots, t -> 1, log::add);
        try (RawHttpServer http = new RawHttpServer((request, out) -> RawHttpServer.answer(out, 403, "text/plain",
                new byte[0]))) {
            List<Integer> requestsAfter = new ArrayList<>();
            for (boolean root : List.of(false, true)) {
                BlockingQueue<ObjectNode> lines = new LinkedBlockingQueue<>();
                ApiProtocol.Session session = protocol.open(lines::add, "a test client", root);
                session.handle("{\"op\":\"subscribe\"}");
                session.handle("{\"op\":\"install\",\"url\":\"" + http.uri() + "/os.tandem\"}");
                assertTimeoutPreemptively(BOUND, () -> {
                    while (!lines.take().path("event").asText().equals("failed")) {
                        // until the 403 ends the install
                    }
                });
                session.close();
                requestsAfter.add(http.requests().size());
            }
            List<RawHttpServer.Request> requests = http.requests();
            assertThat(requestsAfter.get(0)).isPositive();
            assertThat(requests.subList(0, requestsAfter.get(0))).allMatch(r -> r.header("authorization") == null);
            assertThat(requests.subList(requestsAfter.get(0), requestsAfter.get(1))).isNotEmpty()
                    .allMatch(r -> "Bearer s3cret".equals(r.header("authorization")));
        }
    }

    @Test
    void markGoodBadAndActiveThroughTheApi() throws IOException {
        serve();
        try (ApiClient c = client()) {
            ObjectNode bad = c.call(ApiClient.request("mark-bad").put("slot", "other"));
            assertThat(bad.path("ok").asBoolean()).as(bad.toString()).isTrue();
            assertThat(bad.path("slot").asText()).isEqualTo("rootfs.1");
            assertThat(device.slot("rootfs.1").state()).isEqualTo(SlotState.BAD);
            ObjectNode good = c.call(ApiClient.request("mark-good"));
            assertThat(good.path("slot").asText()).isEqualTo("rootfs.0");
            ObjectNode none = c.call(ApiClient.request("mark-active").put("slot", "rootfs.9"));
            assertThat(none.path("ok").asBoolean()).isFalse();
            assertThat(none.path("error").asText()).isEqualTo("failed");
        }
        stillServes();
    }

    @Test
    void aPathThatIsNotARegularFileIsRefusedAndDoesNotHoldTheInstallSlot() throws Exception {
        serve();
        // Opening a FIFO for reading blocks until a writer comes: the install would stay "busy" forever.
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Path bundle = device.bundle("2.0.0", 1 << 20);
        try (ApiClient c = client()) {
            ObjectNode refused = c.call(ApiClient.request("install").put("path", fifo.toString()));
            assertThat(refused.path("ok").asBoolean()).as(refused.toString()).isFalse();
            assertThat(refused.path("error").asText()).isEqualTo("bad-request");
            ObjectNode dirRefused = c.call(ApiClient.request("install").put("path", dir.toString()));
            assertThat(dirRefused.path("error").asText()).isEqualTo("bad-request");
            ObjectNode next = c.call(ApiClient.request("install").put("path", bundle.toString()));
            assertThat(next.path("ok").asBoolean()).as(next.toString()).isTrue();
        }
        stillServes();
    }

    @Test
    void aSocketDirectoryOthersMayWriteIsRefused() throws IOException {
        // Whoever may write the directory may rename the socket away and put their own in its place.
        Path open = java.nio.file.Files.createDirectories(dir.resolve("open"));
        java.nio.file.Files.setPosixFilePermissions(open,
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        device = TestDevice.create(dir.resolve("device"), "");
        service = new InstallService(device::slots, t -> 1, Clock.systemUTC());
        ApiProtocol protocol = new ApiProtocol(service, device::slots, t -> 1, log::add);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ApiServer.start(open.resolve("api.sock"), null,
                protocol, "test", ApiServer.Limits.defaults(), log::add).close())
                .isInstanceOf(IOException.class).hasMessageContaining("writable by group or others");
        assertThat(open.resolve("api.sock")).doesNotExist();
    }

    @Test
    void emptyLinesAreNoRequestAndDoNotEscapeTheFirstRequestTimeout() throws Exception {
        serve(new ApiServer.Limits(8192, 16, 1 << 20, Duration.ofSeconds(1)), null);
        try (SocketChannel blank = raw(server.socket())) {
            write(blank, "\n\n");
            ByteBuffer buf = ByteBuffer.allocate(4096);
            assertTimeoutPreemptively(BOUND, () -> {
                while (blank.read(buf) >= 0) {
                    // until the server closes it
                }
            });
            assertThat(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8)).contains("timeout");
        }
        stillServes();
    }
}
