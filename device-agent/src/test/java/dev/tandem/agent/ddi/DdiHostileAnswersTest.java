package dev.tandem.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tandem.testsupport.RawHttpServer;
import dev.tandem.install.http.PemTls;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DDI client against a hostile server (a real socket server sending raw bytes): every answer is bounded in
 * size and time and ends in a one-line {@link DdiException}, and the token never leaves the configured server.
 */
class DdiHostileAnswersTest {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /** Generous: an exchange ends within connect + request timeout; this only catches a hang. */
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final long HUNDRED_MIB = 100L << 20;

    private RawHttpServer server;
    private RawHttpServer elsewhere;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (elsewhere != null) {
            elsewhere.close();
        }
    }

    private DdiClient client(URI uri) {
        return new DdiClient(uri, "DEFAULT", "dev", "TargetToken secret", null, Duration.ofSeconds(2),
                REQUEST_TIMEOUT, Map.of());
    }

    private DdiException pollFails(RawHttpServer.Responder r) throws Exception {
        server = new RawHttpServer(r);
        DdiClient c = client(server.uri());
        DdiException e = assertTimeoutPreemptively(BOUND, () -> {
            try {
                c.poll();
            } catch (DdiException x) {
                return x;
            }
            throw new AssertionError("the poll succeeded");
        });
        assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r").hasSizeLessThan(600);
        return e;
    }

    @Test
    void anEndlessBodyEndsAtTheLimit() throws Exception {
        DdiException e = pollFails((req, out) -> {
            RawHttpServer.openHead(out, 200);
            out.write("{\"config\":{\"polling\":{\"sleep\":\"".getBytes(StandardCharsets.US_ASCII));
            RawHttpServer.repeat(out, "0".getBytes(StandardCharsets.US_ASCII), Long.MAX_VALUE);
        });
        assertThat(e.kind()).isEqualTo(DdiException.Kind.PROTOCOL);
        assertThat(e.getMessage()).contains("answer too large (more than 1048576 bytes; the limit is 1 MiB)");
    }

    @Test
    void aHugeDeclaredBodyIsRefusedBeforeReading() throws Exception {
        DdiException e = pollFails((req, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + HUNDRED_MIB
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            RawHttpServer.repeat(out, " ".getBytes(StandardCharsets.US_ASCII), HUNDRED_MIB);
        });
        assertThat(e.getMessage()).contains("answer too large (104857600 bytes declared; the limit is 1 MiB)");
    }

    @Test
    void aHugeChunkedBodyEndsAtTheLimit() throws Exception {
        DdiException e = pollFails((req, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = ("10000\r\n" + " ".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (long sent = 0; sent < HUNDRED_MIB; sent += 0x10000) {
                out.write(chunk);
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        assertThat(e.getMessage()).contains("answer too large (more than 1048576 bytes");
    }

    @Test
    void aHugeErrorPageCostsOnlyTheConnection() throws Exception {
        DdiException e = pollFails((req, out) -> {
            out.write("HTTP/1.1 503 Busy\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            RawHttpServer.repeat(out, "<p>".getBytes(StandardCharsets.US_ASCII), HUNDRED_MIB);
        });
        assertThat(e.kind()).isEqualTo(DdiException.Kind.SERVER);
        assertThat(e.getMessage()).endsWith(": HTTP 503");
    }

    @Test
    void aSlowEndlessBodyEndsAtTheRequestTimeout() throws Exception {
        long t0 = System.nanoTime();
        DdiException e = pollFails((req, out) -> {
            RawHttpServer.openHead(out, 200);
            out.write('[');
            for (int i = 0; i < 10_000; i++) {
                out.write(' ');
                out.flush();
                sleep(100);
            }
        });
        assertThat(e.kind()).isEqualTo(DdiException.Kind.NETWORK);
        assertThat(e.getMessage()).contains("no complete answer within the request timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aSlowEndlessHeadEndsAtTheRequestTimeout() throws Exception {
        DdiException e = pollFails((req, out) -> {
            out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 10_000; i++) {
                out.write(("X-" + i + ": y\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                sleep(100);
            }
        });
        assertThat(e.kind()).isEqualTo(DdiException.Kind.NETWORK);
    }

    @Test
    void aFastEndlessHeadEndsAtTheJdksHeaderLimit() throws Exception {
        // The downloads' Netty codec stops at 16 KiB of header; HttpURLConnection at jdk.http.maxHeaderSize
        // (384 KiB by default): either way a bound, not the heap.
        DdiException e = pollFails((req, out) -> {
            out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
            RawHttpServer.repeat(out, "X-Filler: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n"
                    .getBytes(StandardCharsets.US_ASCII), 64L << 20);
        });
        assertThat(e.kind()).isEqualTo(DdiException.Kind.NETWORK);
        assertThat(e.getMessage()).containsIgnoringCase("header");
    }

    @Test
    void deepNestingIsAProtocolError() throws Exception {
        DdiException e = pollFails((req, out) -> RawHttpServer.json(out, "{\"unknown\":" + "[".repeat(500)
                + "]".repeat(500) + "}"));
        assertThat(e.kind()).isEqualTo(DdiException.Kind.PROTOCOL);
        assertThat(e.getMessage()).contains("malformed DdiControllerBase").contains("nesting depth");
    }

    @Test
    void wrongTypesAndMissingFieldsAreProtocolErrors() throws Exception {
        for (String body : new String[] {"{\"_links\":[]}", "{\"config\":\"x\"}", "{\"_links\":{\"deploymentBase\":7}}",
                "{\"_links\":{\"deploymentBase\":{}}}", "{\"_links\":{\"deploymentBase\":{\"href\":\"ftp://h/x\"}}}",
                "{\"_links\":{\"deploymentBase\":{\"href\":\"::\"}}}", "null", "[]", "", "{\"config\":1e999999}",
                "{\"config\":{\"polling\":{\"sleep\":" + "9".repeat(5000) + "}}}"}) {
            DdiException e = pollFails((req, out) -> RawHttpServer.json(out, body));
            assertThat(e.kind()).as(body).isEqualTo(DdiException.Kind.PROTOCOL);
            assertThat(e.getMessage()).as(body).contains("malformed DdiControllerBase");
            server.close();
        }
    }

    @Test
    void anActionIdOrFileNameThatIsNotOneIsAProtocolError() throws Exception {
        String artifact = "{\"id\":\"1\",\"deployment\":{\"download\":\"forced\",\"update\":\"forced\",\"chunks\":[{"
                + "\"artifacts\":[{\"filename\":\"a\\nb.tandem\",\"size\":1}]}]}}";
        for (String body : new String[] {"\"../../x\"", "\"" + "1".repeat(65) + "\"", "{}", "\"a\\nb\"", artifact}) {
            server = new RawHttpServer((req, out) -> RawHttpServer.json(out, body.startsWith("{\"id\"") ? body
                    : "{\"id\":" + body + ",\"deployment\":{\"download\":\"forced\",\"update\":\"forced\","
                    + "\"chunks\":[]}}"));
            DdiClient c = client(server.uri());
            assertThatThrownBy(() -> c.deploymentBase(new DdiLink(server.uri() + "/DEFAULT/controller/v1/dev/"
                    + "deploymentBase/1"))).as(body).isInstanceOfSatisfying(DdiException.class,
                            e -> assertThat(e.kind()).isEqualTo(DdiException.Kind.PROTOCOL))
                    .hasMessageContaining("malformed DdiDeploymentBase");
            server.close();
        }
    }

    @Test
    void invalidUtf8IsAProtocolError() throws Exception {
        DdiException e = pollFails((req, out) -> RawHttpServer.answer(out, 200, "application/json",
                new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'}));
        assertThat(e.kind()).isEqualTo(DdiException.Kind.PROTOCOL);
        assertThat(e.getMessage()).contains("Invalid UTF-8");
    }

    @Test
    void aRedirectsLocationIsShownOnOneLine() throws Exception {
        DdiException e = pollFails((req, out) -> out.write(("HTTP/1.1 302 Found\r\nLocation: http://x/" + "é".repeat(2000)
                + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8)));
        assertThat(e.getMessage()).contains("not followed").matches("[\\x20-\\x7e]*").hasSizeLessThan(600);
    }

    // ---- the token stays on the server ----------------------------------------------------------------------

    @Test
    void linksToAnotherHostOrPortAreNotFollowedAndTheTokenStays() throws Exception {
        elsewhere = new RawHttpServer((req, out) -> RawHttpServer.json(out, "{}"));
        server = new RawHttpServer((req, out) -> RawHttpServer.json(out, "{}"));
        DdiClient c = client(URI.create(server.uri() + "/prefix"));
        for (String link : new String[] {elsewhere.uri() + "/DEFAULT/controller/v1/dev/deploymentBase/1",
                "http://localhost:" + server.port() + "/DEFAULT/controller/v1/dev/deploymentBase/1",
                "https://127.0.0.1:" + server.port() + "/DEFAULT/controller/v1/dev/deploymentBase/1"}) {
            assertThatThrownBy(() -> c.deploymentBase(new DdiLink(link))).as(link)
                    .isInstanceOfSatisfying(DdiException.class, e -> {
                        assertThat(e.kind()).isEqualTo(DdiException.Kind.REFUSED);
                        assertThat(e.isTransient()).isFalse();
                    }).hasMessageContaining("deploymentBase link").hasMessageContaining("refused: not on the"
                            + " configured server http://127.0.0.1:" + server.port() + "/prefix");
            assertThatThrownBy(() -> c.cancelAction(new DdiLink(link))).isInstanceOfSatisfying(DdiException.class,
                    e -> assertThat(e.kind()).isEqualTo(DdiException.Kind.REFUSED));
        }
        assertThat(elsewhere.requests()).isEmpty();
        assertThat(server.requests()).isEmpty();
        server.respondWith((req, out) -> RawHttpServer.json(out, "{\"id\":\"1\",\"deployment\":{\"download\":"
                + "\"forced\",\"update\":\"forced\"}}"));
        assertThat(c.deploymentBase(new DdiLink(server.uri() + "/DEFAULT/controller/v1/dev/deploymentBase/1")).id())
                .as("the server's own link is followed, with the token").isEqualTo("1");
        assertThat(server.requests()).singleElement().satisfies(r ->
                assertThat(r.header("Authorization")).isEqualTo("TargetToken secret"));
    }

    @Test
    void anHttpsServersTokenNeverTravelsInPlainText(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestTls.available(dir), "openssl not installed");
        TestTls tls = TestTls.create(dir);
        elsewhere = new RawHttpServer((req, out) -> RawHttpServer.json(out, "{}"));
        server = new RawHttpServer((req, out) -> RawHttpServer.json(out, "{}"), tls.server());
        DdiClient c = new DdiClient(server.uri(), "DEFAULT", "dev", "TargetToken secret",
                PemTls.sslContext(tls.caPem(), null, null), Duration.ofSeconds(2), REQUEST_TIMEOUT, Map.of());
        c.poll();
        assertThat(server.requests()).singleElement().satisfies(r ->
                assertThat(r.header("Authorization")).isEqualTo("TargetToken secret"));
        assertThatThrownBy(() -> c.deploymentBase(new DdiLink("http://127.0.0.1:" + elsewhere.port()
                + "/DEFAULT/controller/v1/dev/deploymentBase/1"))).isInstanceOfSatisfying(DdiException.class,
                        e -> assertThat(e.kind()).isEqualTo(DdiException.Kind.REFUSED));
        assertThat(elsewhere.requests()).isEmpty();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
