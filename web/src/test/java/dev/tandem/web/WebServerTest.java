package dev.tandem.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallResult;
import dev.tandem.install.TestDevice;
import dev.tandem.slot.state.SlotState;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page's server through a real HTTPS client and raw TLS sockets, installing into a simulated device
 * (file slots, the file bootloader): credentials, Origin, size bounds, disconnects, slow clients, one upload at
 * a time, and memory bounded by backpressure however slow the installer.
 */
class WebServerTest {

    private static final long SLOT = 16L << 20;

    @TempDir
    Path dir;

    private WebFixture web;
    private HttpClient http;

    private void start(Duration idle, java.util.function.UnaryOperator<InstallService> wrap) throws Exception {
        web = WebFixture.start(dir, SLOT, idle, wrap);
        http = HttpClient.newBuilder().sslContext(web.trust()).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private void start() throws Exception {
        start(Duration.ofSeconds(30), s -> s);
    }

    @AfterEach
    void stop() {
        if (web != null) {
            web.close();
        }
    }

    private HttpRequest.Builder req(String path) {
        return HttpRequest.newBuilder(URI.create(web.base() + path)).timeout(Duration.ofSeconds(60));
    }

    private HttpRequest.Builder api(String path) {
        return req(path).header(WebHandler.TOKEN_HEADER, WebFixture.TOKEN);
    }

    private HttpResponse<String> send(HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> upload(Path bundle) throws Exception {
        return send(api("/api/install").header(WebHandler.REQUEST_HEADER, "1")
                .POST(HttpRequest.BodyPublishers.ofFile(bundle)).build());
    }

    private Path bundle(String version, long size, long seed) throws IOException {
        Path image = TestDevice.randomImage(dir.resolve("v" + version + ".img"), size, seed);
        return web.device.bundle(version, image, dir.resolve("v" + version + ".tandem"));
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return InstallTracker.JSON.readTree(r.body());
    }

    @Test
    void everyApiRequestWithoutTheRightTokenIsRefused() throws Exception {
        start();
        Path bundle = bundle("2.0.0", 4 << 20, 1);
        SlotState before = web.stateB();

        assertThat(send(req("/api/status").build()).statusCode()).isEqualTo(401);
        assertThat(send(req("/api/progress").build()).statusCode()).isEqualTo(401);
        assertThat(send(req("/api/status").header(WebHandler.TOKEN_HEADER, WebFixture.TOKEN + "x").build())
                .statusCode()).isEqualTo(401);
        // A cookie is not a credential here.
        assertThat(send(req("/api/status").header("Cookie", "X-Tandem-Token=" + WebFixture.TOKEN).build())
                .statusCode()).isEqualTo(401);
        HttpResponse<String> install = send(req("/api/install").header(WebHandler.REQUEST_HEADER, "1")
                .POST(HttpRequest.BodyPublishers.ofFile(bundle)).build());
        assertThat(install.statusCode()).isEqualTo(401);
        assertThat(send(req("/api/reboot").header(WebHandler.REQUEST_HEADER, "1")
                .POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode()).isEqualTo(401);
        assertThat(web.stateB()).isEqualTo(before);
        assertThat(web.reboots.get()).isZero();

        HttpResponse<String> ok = send(api("/api/status").build());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).get("slots").get(1).get("name").asText()).isEqualTo(TestDevice.SLOT_B);
    }

    @Test
    void aForeignOriginOrAMissingRequestHeaderIsRefused() throws Exception {
        start();
        Path bundle = bundle("2.0.0", 4 << 20, 1);
        SlotState before = web.stateB();
        assertThat(send(api("/api/status").header("Origin", "https://evil.example").build()).statusCode())
                .isEqualTo(403);
        assertThat(send(api("/api/install").header(WebHandler.REQUEST_HEADER, "1")
                .header("Origin", "https://evil.example").POST(HttpRequest.BodyPublishers.ofFile(bundle)).build())
                .statusCode()).isEqualTo(403);
        assertThat(send(api("/api/install").POST(HttpRequest.BodyPublishers.ofFile(bundle)).build()).statusCode())
                .isEqualTo(403);
        assertThat(send(api("/api/status").header("Sec-Fetch-Site", "cross-site").build()).statusCode())
                .isEqualTo(403);
        assertThat(web.stateB()).isEqualTo(before);
        assertThat(send(api("/api/status").header("Origin", web.base()).build()).statusCode()).isEqualTo(200);
    }

    @Test
    void onlyThePagesOwnFilesAreServedAndNoPathReachesTheDisk() throws Exception {
        start();
        HttpResponse<String> page = send(req("/").build());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<input id=\"bundle\" type=\"file\"");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'none'");
        assertThat(send(req("/app.js").build()).statusCode()).isEqualTo(200);
        for (String p : new String[] {"/dev/tandem/web/", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                "/index.html/", "/WEB-INF/", "/api/", "/api/../../etc/passwd"}) {
            assertThat(send(api(p).build()).statusCode()).as(p).isEqualTo(404);
        }
        String longHeader = "x".repeat(WebServer.MAX_HEADERS + 100);
        assertThat(send(req("/").header("X-Long", longHeader).build()).statusCode()).isEqualTo(431);
        assertThat(send(req("/" + "a".repeat(WebServer.MAX_INITIAL_LINE + 10)).build()).statusCode()).isEqualTo(414);
    }

    @Test
    void aGoodBundleIsInstalledAndActivatedThenTheRebootIsAsked() throws Exception {
        start();
        Path bundle = bundle("2.0.0", 6 << 20, 2);
        HttpResponse<String> r = upload(bundle);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("version").asText()).isEqualTo("2.0.0");
        assertThat(json(r).get("activated").asBoolean()).isTrue();
        assertThat(web.stateB()).isEqualTo(SlotState.PENDING);
        assertThat(web.device.slotHolds(web.device.slotB, dir.resolve("v2.0.0.img"))).isTrue();
        JsonNode progress = json(send(api("/api/progress").build()));
        assertThat(progress.get("state").asText()).isEqualTo("installed");
        assertThat(progress.get("uploaded").asLong()).isEqualTo(Files.size(bundle));

        HttpResponse<String> reboot = send(api("/api/reboot").header(WebHandler.REQUEST_HEADER, "1")
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(reboot.statusCode()).isEqualTo(202);
        assertThat(web.reboots.get()).isEqualTo(1);
    }

    @Test
    void aTamperedBundleIsRefusedAndItsSlotLeftBadWithTheReason() throws Exception {
        start();
        Path bundle = bundle("2.0.0", 6 << 20, 3);
        TestDevice.StoredChunk c = TestDevice.storedChunk(bundle, 40);
        TestDevice.flipByte(bundle, c.offset() + c.length() / 2);
        HttpResponse<String> r = upload(bundle);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
        assertThat(json(r).get("error").asText()).contains("chunk");
        assertThat(web.stateB()).isEqualTo(SlotState.BAD);
        assertThat(web.bBootable()).isFalse();
        assertThat(web.device.status(TestDevice.SLOT_B).toString()).contains("web install failed");
        // The server goes on: the good bundle installs next.
        Path good = bundle("2.0.1", 6 << 20, 4);
        assertThat(upload(good).statusCode()).isEqualTo(200);
        assertThat(web.stateB()).isEqualTo(SlotState.PENDING);
    }

    @Test
    void aBodyLargerThanTheSlotsIsRefusedBeforeItIsRead() throws Exception {
        start();
        long limit = web.server.service.uploadLimit();
        assertThat(limit).isLessThan(2 * SLOT + (64L << 20));
        SlotState before = web.stateB();
        try (SSLSocket s = socket()) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/install HTTP/1.1\r\nHost: 127.0.0.1\r\n" + WebHandler.TOKEN_HEADER + ": "
                    + WebFixture.TOKEN + "\r\n" + WebHandler.REQUEST_HEADER + ": 1\r\nContent-Length: " + (limit + 1)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[64 * 1024]);
            out.flush();
            String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(answer).isEqualTo("HTTP/1.1 413");
        }
        assertThat(web.stateB()).isEqualTo(before);
        JsonNode progress = json(send(api("/api/progress").build()));
        assertThat(progress.get("state").asText()).isEqualTo("idle");
        assertThat(progress.get("upload-limit").asLong()).isEqualTo(limit);
    }

    @Test
    void aClientThatGoesAwayMidUploadLeavesTheSlotBadAndTheServerServing() throws Exception {
        start();
        Path bundle = bundle("2.0.0", 8 << 20, 5);
        byte[] bytes = Files.readAllBytes(bundle);
        try (SSLSocket s = uploadPart(bytes, bytes.length * 2 / 3)) {
            waitFor(() -> web.stateB() == SlotState.WRITING);
        }
        waitFor(() -> "failed".equals(progressState()));
        JsonNode p = json(send(api("/api/progress").build()));
        assertThat(p.get("error").asText()).contains("cut off");
        assertThat(web.stateB()).isEqualTo(SlotState.BAD);
        assertThat(web.bBootable()).isFalse();
        assertThat(upload(bundle).statusCode()).isEqualTo(200);
        assertThat(web.stateB()).isEqualTo(SlotState.PENDING);
    }

    @Test
    void aSecondUploadWhileOneRunsIsBusy() throws Exception {
        start();
        Path bundle = bundle("2.0.0", 4 << 20, 6);
        byte[] bytes = Files.readAllBytes(bundle);
        try (SSLSocket s = uploadPart(bytes, bytes.length / 2)) {
            waitFor(() -> "installing".equals(progressState()));
            HttpResponse<String> second = upload(bundle);
            assertThat(second.statusCode()).isEqualTo(409);
            assertThat(json(second).get("error").asText()).startsWith("busy");
            assertThat(json(second).get("progress").get("state").asText()).isEqualTo("installing");
            OutputStream out = s.getOutputStream();
            out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
            out.flush();
            assertThat(statusLine(s)).isEqualTo("HTTP/1.1 200");
        }
        assertThat(web.stateB()).isEqualTo(SlotState.PENDING);
    }

    @Test
    void cancelStopsTheUploadAndLeavesTheSlotBad() throws Exception {
        start();
        Path bundle = bundle("2.0.0", 8 << 20, 7);
        byte[] bytes = Files.readAllBytes(bundle);
        try (SSLSocket s = uploadPart(bytes, bytes.length / 2)) {
            waitFor(() -> web.stateB() == SlotState.WRITING);
            assertThat(send(api("/api/cancel").header(WebHandler.REQUEST_HEADER, "1")
                    .POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode()).isEqualTo(202);
            assertThat(statusLine(s)).isEqualTo("HTTP/1.1 422");
        }
        assertThat(web.stateB()).isEqualTo(SlotState.BAD);
        assertThat(web.bBootable()).isFalse();
    }

    @Test
    void aSlowLorisIsCutOffAtTheIdleTimeout() throws Exception {
        start(Duration.ofMillis(1500), s -> s);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try (SSLSocket s = socket()) {
                OutputStream out = s.getOutputStream();
                out.write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // One header byte every 300 ms: never idle, but the headers never end.
                try {
                    for (int i = 0; i < 100; i++) {
                        out.write('X');
                        out.flush();
                        Thread.sleep(300);
                    }
                } catch (IOException closedByServer) {
                    return;
                }
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
        });
        // A silent connection is closed too, and the server still answers afterwards.
        try (SSLSocket s = socket()) {
            s.setSoTimeout(20_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(send(api("/api/status").build()).statusCode()).isEqualTo(200);
    }

    @Test
    void memoryStaysBoundedWhenTheInstallerIsSlowerThanTheUpload() throws Exception {
        start(Duration.ofSeconds(30), SlowInstaller::new);
        Path bundle = bundle("2.0.0", 12 << 20, 8);
        HttpResponse<String> r = upload(bundle);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        long maxQueued = web.server.lastUploadMaxQueued();
        System.out.printf("[web] bundle %d bytes, most bytes queued for the installer: %d%n", Files.size(bundle),
                maxQueued);
        assertThat(maxQueued).isLessThanOrEqualTo(WebServer.UPLOAD_HIGH_WATER + (2L << 20));
    }

    /** Reads the upload slowly: 16 KiB per ms at most, so without backpressure the whole body would queue. */
    private static final class SlowInstaller implements InstallService {
        private final InstallService inner;

        SlowInstaller(InstallService inner) {
            this.inner = inner;
        }

        @Override
        public String statusJson() throws IOException {
            return inner.statusJson();
        }

        @Override
        public long uploadLimit() throws IOException {
            return inner.uploadLimit();
        }

        @Override
        public CompletableFuture<InstallResult> start(InputStream bundle, String name, InstallListener listener) {
            return inner.start(new FilterInputStream(bundle) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                    return super.read(b, off, Math.min(len, 16 * 1024));
                }
            }, name, listener);
        }

        @Override
        public void cancel() {
            inner.cancel();
        }

        @Override
        public void reboot() throws IOException {
            inner.reboot();
        }
    }

    private byte[] uploadHeaders(long length) {
        return ("POST /api/install HTTP/1.1\r\nHost: 127.0.0.1:" + web.port + "\r\n" + WebHandler.TOKEN_HEADER + ": "
                + WebFixture.TOKEN + "\r\n" + WebHandler.REQUEST_HEADER + ": 1\r\nContent-Length: " + length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** An upload of {@code bundle} sent by hand: its headers and the first {@code sent} bytes, then nothing. */
    private SSLSocket uploadPart(byte[] bundle, int sent) throws Exception {
        SSLSocket s = socket();
        OutputStream out = s.getOutputStream();
        out.write(uploadHeaders(bundle.length));
        out.write(bundle, 0, sent);
        out.flush();
        return s;
    }

    /** The start of the server's answer on {@code s}: "HTTP/1.1 200". */
    private static String statusLine(SSLSocket s) throws IOException {
        return new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
    }

    private SSLSocket socket() throws Exception {
        SSLSocket s = (SSLSocket) web.trust().getSocketFactory().createSocket("127.0.0.1", web.port);
        s.setSoTimeout(60_000);
        s.startHandshake();
        return s;
    }

    private String progressState() {
        try {
            return json(send(api("/api/progress").build())).get("state").asText();
        } catch (Exception e) {
            return "error: " + e;
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within 60 s");
            }
            Thread.sleep(50);
        }
    }
}
