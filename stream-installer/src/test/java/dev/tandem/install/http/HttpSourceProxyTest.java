package dev.tandem.install.http;

import dev.tandem.serve.StaticFileServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link HttpSource} through a forward proxy named by {@code HTTPS_PROXY} / {@code HTTP_PROXY} / {@code NO_PROXY}. */
class HttpSourceProxyTest {

    @TempDir
    static Path dir;
    static StaticFileServer plain;
    static StaticFileServer secure;
    static int plainPort;
    static int securePort;
    static String sha;
    static TestCa ca;

    @BeforeAll
    static void start() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        sha = TestFiles.sha256(TestFiles.random(www, "b.tandem", 2 << 20, 9));
        plain = new StaticFileServer(www);
        plainPort = plain.start(new InetSocketAddress("127.0.0.1", 0));
        if (TestCa.opensslAvailable()) {
            ca = TestCa.create(dir.resolve("pki"));
            secure = new StaticFileServer(www, ca.serverCert, ca.serverKey);
            securePort = secure.start(new InetSocketAddress("127.0.0.1", 0));
        }
    }

    @AfterAll
    static void stop() {
        plain.close();
        if (secure != null) {
            secure.close();
        }
    }

    @Test
    void tunnelsHttpsThroughConnectWithProxyCredentials() throws Exception {
        assumeTrue(ca != null, "openssl CLI is not installed");
        try (TunnelingProxy proxy = new TunnelingProxy();
             HttpSource s = HttpSource.open(URI.create("https://localhost:" + securePort + "/b.tandem"),
                     HttpOptions.defaults().withCaFile(ca.caCert).withProxyEnv(
                             Map.of("HTTPS_PROXY", "http://dev:pw@127.0.0.1:" + proxy.port())))) {
            assertThat(TestFiles.drain(s, 65536)).isEqualTo(sha);
            assertThat(proxy.heads()).hasSize(1);
            assertThat(proxy.heads().get(0)).startsWith("CONNECT localhost:" + securePort + " HTTP/1.1")
                    .containsIgnoringCase("proxy-authorization: Basic ZGV2OnB3");
        }
    }

    @Test
    void sendsPlainHttpToTheProxyInAbsoluteForm() throws Exception {
        try (TunnelingProxy proxy = new TunnelingProxy();
             HttpSource s = HttpSource.open(URI.create("http://127.0.0.1:" + plainPort + "/b.tandem"),
                     HttpOptions.defaults().withProxyEnv(Map.of("http_proxy", "127.0.0.1:" + proxy.port())))) {
            assertThat(TestFiles.drain(s, 65536)).isEqualTo(sha);
            assertThat(proxy.heads().get(0)).startsWith("GET http://127.0.0.1:" + plainPort + "/b.tandem HTTP/1.1");
        }
    }

    @Test
    void goesDirectForHostsInNoProxy() throws Exception {
        try (TunnelingProxy proxy = new TunnelingProxy();
             HttpSource s = HttpSource.open(URI.create("http://127.0.0.1:" + plainPort + "/b.tandem"),
                     HttpOptions.defaults().withProxyEnv(Map.of("HTTP_PROXY", "127.0.0.1:" + proxy.port(),
                             "NO_PROXY", "example.com,127.0.0.1")))) {
            assertThat(TestFiles.drain(s, 65536)).isEqualTo(sha);
            assertThat(proxy.heads()).isEmpty();
        }
    }

    @Test
    void aProxyThatTricklesItsAnswerToConnectFailsAtTheConnectTimeout() throws Exception {
        // One byte every 100 ms never trips a per-read timeout of 1 s; a head of 8 KiB would take 14 minutes.
        try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket c = server.accept()) {
                    InputStream in = c.getInputStream();
                    int matched = 0;
                    while (matched < 4) {
                        int b = in.read();
                        if (b < 0) {
                            return;
                        }
                        matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
                    }
                    byte[] answer = ("HTTP/1.1 200 OK\r\n" + "X-Slow: y\r\n".repeat(1000))
                            .getBytes(StandardCharsets.ISO_8859_1);
                    for (byte b : answer) {
                        c.getOutputStream().write(b);
                        c.getOutputStream().flush();
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    // the client gave up
                }
            }, "trickling-proxy");
            t.setDaemon(true);
            t.start();
            HttpOptions o = HttpOptions.defaults().withRetries(0, Duration.ofMillis(1), Duration.ofMillis(1))
                    .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2))
                    .withProxyEnv(Map.of("HTTPS_PROXY", "http://127.0.0.1:" + server.getLocalPort()));
            long start = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                    assertThatThrownBy(() -> HttpSource.open(URI.create("https://localhost:9/b.tandem"), o).close())
                            .isInstanceOfSatisfying(SourceException.class,
                                    e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.TIMEOUT)));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }
}
