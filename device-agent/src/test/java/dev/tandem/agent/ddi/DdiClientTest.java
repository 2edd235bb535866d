package dev.tandem.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.tandem.install.http.PemTls;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DDI client against a scripted JDK HTTP(S) server: paths, headers, bodies, and how failures are told apart. */
class DdiClientTest {

    record Seen(String method, String path, String authorization, String body) {
    }

    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    private HttpServer server;
    private volatile int status = 200;
    private volatile String answer = "{}";
    private volatile String location;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private URI start(HttpServer s) {
        server = s;
        s.createContext("/", this::handle);
        s.start();
        String scheme = s instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + s.getAddress().getPort() + "/prefix");
    }

    private void handle(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                    ex.getRequestHeaders().getFirst("Authorization"),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
        if (location != null) {
            ex.getResponseHeaders().add("Location", location);
        }
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, status == 204 ? -1 : body.length);
        if (status != 204) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    private static DdiClient client(URI server, String auth, SSLContext ssl) {
        return new DdiClient(server, "DEFAULT", "dev 1/ä", auth, ssl, Duration.ofSeconds(5), Duration.ofSeconds(5),
                Map.of());
    }

    private static HttpServer http() throws IOException {
        return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    }

    @Test
    void pollsTheControllerBaseWithTheTokenAndAnEncodedControllerId() throws Exception {
        URI uri = start(http());
        answer = "{\"config\":{\"polling\":{\"sleep\":\"00:00:42\"}}}";
        DdiClient c = client(uri, "TargetToken abc", null);
        DdiControllerBase b = c.poll();
        assertThat(b.sleep(Duration.ZERO)).isEqualTo(Duration.ofSeconds(42));
        Seen s = seen.poll();
        assertThat(s.method()).isEqualTo("GET");
        assertThat(s.path()).isEqualTo("/prefix/DEFAULT/controller/v1/dev%201%2F%C3%A4");
        assertThat(s.authorization()).isEqualTo("TargetToken abc");
    }

    @Test
    void sendsFeedbackToTheActionsResourceAndConfigDataByPut() throws Exception {
        URI uri = start(http());
        DdiClient c = client(uri, null, null);
        c.feedback(UpdateStatus.FAILURE, UpdateStatus.FAILURE.feedback("7", Instant.EPOCH, null, List.of("why")));
        c.feedback(UpdateStatus.CANCELED, UpdateStatus.CANCELED.feedback("8", Instant.EPOCH, null, List.of("done")));
        c.configData(new DdiConfigData(DdiUpdateMode.MERGE, Map.of("k", "v")));
        Seen f = seen.poll();
        assertThat(f.method()).isEqualTo("POST");
        assertThat(f.path()).endsWith("/controller/v1/dev%201%2F%C3%A4/deploymentBase/7/feedback");
        assertThat(f.authorization()).isNull();
        assertThat(f.body()).contains("\"id\":\"7\"").contains("\"finished\":\"failure\"");
        assertThat(seen.poll().path()).endsWith("/cancelAction/8/feedback");
        Seen cd = seen.poll();
        assertThat(cd.method()).isEqualTo("PUT");
        assertThat(cd.path()).endsWith("/configData");
        assertThat(cd.body()).isEqualTo("{\"mode\":\"merge\",\"data\":{\"k\":\"v\"}}");
    }

    @Test
    void followsLinksAsTheServerGivesThem() throws Exception {
        URI uri = start(http());
        answer = "{\"id\":\"9\",\"deployment\":{\"download\":\"forced\",\"update\":\"forced\",\"chunks\":[]}}";
        DdiDeploymentBase d = client(uri, null, null).deploymentBase(new DdiLink(uri
                + "/DEFAULT/controller/v1/x/deploymentBase/9?c=-123"));
        assertThat(d.id()).isEqualTo("9");
        assertThat(seen.poll().path()).isEqualTo("/prefix/DEFAULT/controller/v1/x/deploymentBase/9");
    }

    @Test
    void tellsFailuresApartByStatus() throws Exception {
        URI uri = start(http());
        DdiClient c = client(uri, "TargetToken x", null);
        Map<Integer, DdiException.Kind> kinds = Map.of(401, DdiException.Kind.AUTH, 403, DdiException.Kind.AUTH,
                404, DdiException.Kind.NOT_FOUND, 410, DdiException.Kind.GONE, 429, DdiException.Kind.SERVER,
                500, DdiException.Kind.SERVER, 503, DdiException.Kind.SERVER, 400, DdiException.Kind.PROTOCOL);
        for (Map.Entry<Integer, DdiException.Kind> e : kinds.entrySet()) {
            status = e.getKey();
            assertThatThrownBy(c::poll).as("HTTP " + e.getKey()).isInstanceOfSatisfying(DdiException.class, x -> {
                assertThat(x.kind()).isEqualTo(e.getValue());
                assertThat(x.status()).isEqualTo(e.getKey());
                assertThat(x.isTransient()).isEqualTo(e.getValue() == DdiException.Kind.SERVER);
                assertThat(x.getMessage()).startsWith("GET http://127.0.0.1:").contains("HTTP " + e.getKey());
            });
        }
    }

    @Test
    void doesNotFollowARedirectWithTheToken() throws Exception {
        URI uri = start(http());
        status = 302;
        location = "http://elsewhere.example/steal";
        assertThatThrownBy(() -> client(uri, "TargetToken x", null).poll()).isInstanceOfSatisfying(
                DdiException.class, e -> assertThat(e.kind()).isEqualTo(DdiException.Kind.PROTOCOL))
                .hasMessageContaining("redirect to http://elsewhere.example/steal not followed");
        assertThat(seen).hasSize(1);
    }

    @Test
    void aBodyThatIsNotTheMessageIsAProtocolFailure() throws Exception {
        URI uri = start(http());
        answer = "<html>proxy error</html>";
        assertThatThrownBy(() -> client(uri, null, null).poll()).isInstanceOfSatisfying(DdiException.class,
                e -> assertThat(e.kind()).isEqualTo(DdiException.Kind.PROTOCOL)).hasMessageContaining("malformed");
    }

    @Test
    void noListenerIsANetworkFailureWorthRetrying() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> client(URI.create("http://127.0.0.1:" + port), null, null).poll())
                .isInstanceOfSatisfying(DdiException.class, e -> {
                    assertThat(e.kind()).isEqualTo(DdiException.Kind.NETWORK);
                    assertThat(e.isTransient()).isTrue();
                });
    }

    @Test
    void httpsTrustsTheConfiguredCaAndNothingElse(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestTls.available(dir), "openssl not installed");
        TestTls tls = TestTls.create(dir);
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(tls.server()));
        URI uri = start(s);

        assertThat(client(uri, "GatewayToken g", PemTls.sslContext(tls.caPem(), null, null)).poll().links())
                .isEmpty();
        assertThat(seen.poll().authorization()).isEqualTo("GatewayToken g");
        assertThatThrownBy(() -> client(uri, "GatewayToken g", PemTls.sslContext(tls.otherPem(), null, null))
                .poll()).isInstanceOfSatisfying(DdiException.class,
                        e -> assertThat(e.kind()).isEqualTo(DdiException.Kind.NETWORK));
        assertThat(seen).as("no request reached the server over the untrusted connection").isEmpty();
    }

    @Test
    void aCaFileWithoutCertificatesIsRefused(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "no certificates here\n");
        assertThatThrownBy(() -> PemTls.sslContext(empty, null, null)).isInstanceOf(IOException.class)
                .hasMessageContaining("empty.pem");
    }
}
