package dev.tandem.install.http;

import dev.tandem.serve.StaticFileServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
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
}
