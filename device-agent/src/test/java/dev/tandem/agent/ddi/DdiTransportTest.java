package dev.tandem.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.testsupport.RawHttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DDI client is configured like the downloads from its server, from the same {@link HttpOptions} ({@code [http]}):
 * trust anchors, client certificate, headers; and it names itself as they do.
 */
class DdiTransportTest {

    private static final String POLL = "{\"config\":{\"polling\":{\"sleep\":\"00:00:07\"}}}";

    @Test
    void sendsTheHttpClientCertificateToAServerThatDemandsOne(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestTls.available(dir), "openssl not installed");
        TestTls tls = TestTls.create(dir);
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(tls.server()) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = tls.server().getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        s.createContext("/", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
            }
            seen.add(ex.getRequestURI().getPath());
            byte[] body = POLL.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        try {
            URI uri = URI.create("https://127.0.0.1:" + s.getAddress().getPort());
            HttpOptions trustOnly = HttpOptions.defaults().withCaFile(tls.caPem());
            assertThatThrownBy(() -> client(uri, trustOnly).poll()).isInstanceOfSatisfying(DdiException.class,
                    e -> assertThat(e.kind()).isEqualTo(DdiException.Kind.NETWORK));
            assertThat(seen).as("without the certificate nothing reached the server").isEmpty();

            HttpOptions withCert = trustOnly.withClientCertificate(tls.clientPem(), tls.clientKey());
            assertThat(client(uri, withCert).poll().sleep(Duration.ZERO)).isEqualTo(Duration.ofSeconds(7));
            assertThat(seen).containsExactly("/DEFAULT/controller/v1/dev");
        } finally {
            s.stop(0);
        }
    }

    @Test
    void sendsTheHttpHeadersAndTheTokenWinsAndNamesItselfTandem() throws Exception {
        try (RawHttpServer server = new RawHttpServer((req, out) -> RawHttpServer.json(out, POLL))) {
            HttpOptions http = HttpOptions.defaults().withHeader("X-Fleet-Key", "k1")
                    .withHeader("Authorization", "Bearer not-the-ddi-token");
            new DdiClient(server.uri(), "DEFAULT", "dev", "TargetToken t", http, Duration.ofSeconds(5)).poll();
            assertThat(server.requests()).singleElement().satisfies(r -> {
                assertThat(r.header("X-Fleet-Key")).isEqualTo("k1");
                assertThat(r.header("Authorization")).isEqualTo("TargetToken t");
                assertThat(r.header("User-Agent")).as("not the JDK's, which names its patch level").isEqualTo("tandem");
            });
        }
    }

    @Test
    void aClientKeyThatIsNotPkcs8IsAOneLineConfigError(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestTls.available(dir), "openssl not installed");
        TestTls tls = TestTls.create(dir);
        Path rsa = Files.writeString(dir.resolve("old.key"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n"
                + "-----END EC PRIVATE KEY-----\n");
        HttpOptions http = HttpOptions.defaults().withClientCertificate(tls.clientPem(), rsa);
        assertThatThrownBy(() -> client(URI.create("https://127.0.0.1:1"), http)).isInstanceOf(IOException.class)
                .hasMessage("client-key " + rsa + ": no unencrypted PKCS#8 key (BEGIN PRIVATE KEY) in it");
    }

    private static DdiClient client(URI uri, HttpOptions http) throws IOException {
        return new DdiClient(uri, "DEFAULT", "dev", "TargetToken t", http.withProxyEnv(Map.of()),
                Duration.ofSeconds(5));
    }
}
