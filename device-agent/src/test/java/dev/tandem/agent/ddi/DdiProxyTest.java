package dev.tandem.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testsupport.RawHttpServer;
import dev.tandem.install.http.PemTls;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
                    PemTls.sslContext(tls.caPem(), null, null), Duration.ofSeconds(5), Duration.ofSeconds(5),
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

    @Test
    void theJvmsProxySettingsAreIgnoredAsTheDownloadsIgnoreThem() throws Exception {
        // http.proxyHost & co. are what HttpURLConnection.openConnection() would use when the environment names no
        // proxy for a host; the downloads never read them, so the DDI client must not either.
        Map<String, String> saved = new java.util.HashMap<>();
        for (String k : List.of("http.proxyHost", "http.proxyPort", "http.nonProxyHosts")) {
            saved.put(k, System.getProperty(k));
        }
        try (TunnelingProxy proxy = new TunnelingProxy()) {
            System.setProperty("http.proxyHost", "127.0.0.1");
            System.setProperty("http.proxyPort", Integer.toString(proxy.port()));
            System.setProperty("http.nonProxyHosts", "nothing.invalid");
            // Not a loopback address: the JDK's ProxySelector sends those direct whatever its settings say.
            DdiClient c = new DdiClient(URI.create("http://ddi.invalid:8080"), "DEFAULT", "dev", "TargetToken t",
                    null, Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of("HTTP_PROXY", "127.0.0.1:"
                    + proxy.port(), "NO_PROXY", "ddi.invalid"));
            assertThatThrownBy(c::poll).isInstanceOfSatisfying(DdiException.class,
                    e -> assertThat(e).hasMessageContaining("ddi.invalid"));
            assertThat(proxy.heads()).as("NO_PROXY names the server: direct, whatever the JVM's settings").isEmpty();
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }
}
