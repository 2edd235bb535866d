package dev.tandem.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testsupport.RawHttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.tandem.install.http.TunnelingProxy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DDI client honours {@code HTTPS_PROXY} / {@code HTTP_PROXY} / {@code NO_PROXY} as the downloads do (the same
 * {@code ProxyRoute}), through a real local forward proxy.
 */
class DdiProxyTest {

    private static final String POLL = "{\"config\":{\"polling\":{\"sleep\":\"00:00:07\"}}}";

    @Test
    void plainHttpGoesToTheProxyInAbsoluteForm() throws Exception {
        try (RawHttpServer server = new RawHttpServer((req, out) -> RawHttpServer.json(out, POLL));
             TunnelingProxy proxy = new TunnelingProxy()) {
            DdiClient c = new DdiClient(server.uri(), "DEFAULT", "dev", "TargetToken t", null, Duration.ofSeconds(5),
                    Duration.ofSeconds(5), Map.of("http_proxy", "http://dev:pw@127.0.0.1:" + proxy.port()));
            assertThat(c.poll().sleep(Duration.ZERO)).isEqualTo(Duration.ofSeconds(7));
            assertThat(proxy.heads()).singleElement().asString()
                    .startsWith("GET http://127.0.0.1:" + server.port() + "/DEFAULT/controller/v1/dev HTTP/1.1")
                    .containsIgnoringCase("proxy-authorization: Basic ZGV2OnB3");
            assertThat(server.requests()).singleElement().satisfies(r ->
                    assertThat(r.header("Authorization")).isEqualTo("TargetToken t"));
        }
    }

    @Test
    void httpsIsTunnelledThroughConnectWithTheProxysCredentials(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestTls.available(dir), "openssl not installed");
        TestTls tls = TestTls.create(dir);
        try (RawHttpServer server = new RawHttpServer((req, out) -> RawHttpServer.json(out, POLL), tls.server());
             TunnelingProxy proxy = new TunnelingProxy()) {
            DdiClient c = new DdiClient(server.uri(), "DEFAULT", "dev", "TargetToken t",
                    PemTrustAnchors.sslContext(tls.caPem()), Duration.ofSeconds(5), Duration.ofSeconds(5),
                    Map.of("HTTPS_PROXY", "http://dev:pw@127.0.0.1:" + proxy.port()));
            assertThat(c.poll().sleep(Duration.ZERO)).isEqualTo(Duration.ofSeconds(7));
            assertThat(proxy.heads()).singleElement().asString()
                    .startsWith("CONNECT 127.0.0.1:" + server.port() + " HTTP/1.1")
                    .containsIgnoringCase("proxy-authorization: Basic ZGV2OnB3")
                    .as("the token stays inside the tunnel").doesNotContain("TargetToken");
            assertThat(server.requests()).singleElement().satisfies(r ->
                    assertThat(r.header("Authorization")).isEqualTo("TargetToken t"));
        }
    }

    @Test
    void noProxyHostsGoDirect() throws Exception {
        try (RawHttpServer server = new RawHttpServer((req, out) -> RawHttpServer.json(out, POLL));
             TunnelingProxy proxy = new TunnelingProxy()) {
            DdiClient c = new DdiClient(server.uri(), "DEFAULT", "dev", null, null, Duration.ofSeconds(5),
                    Duration.ofSeconds(5), Map.of("HTTP_PROXY", "127.0.0.1:" + proxy.port(),
                    "NO_PROXY", "example.com,127.0.0.1"));
            c.poll();
            assertThat(proxy.heads()).isEmpty();
            assertThat(server.requests()).hasSize(1);
        }
    }
}
