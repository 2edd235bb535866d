package dev.tandem.install.http;

import dev.tandem.serve.StaticFileServer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Redirects and credentials, and HTTPS against {@link StaticFileServer}. */
class HttpSourceRedirectTest {

    static final int SIZE = 3 << 20;
    static final String TOKEN = "TargetToken 5ecret";

    @TempDir
    static Path dir;
    static StaticFileServer origin;
    static InetSocketAddress originAddress;
    static String sha;
    static TestCa ca;
    static SslContext serverTls;

    @BeforeAll
    static void start() throws Exception {
        Path www = java.nio.file.Files.createDirectories(dir.resolve("www"));
        sha = TestFiles.sha256(TestFiles.random(www, "b.tandem", SIZE, 5));
        origin = new StaticFileServer(www);
        originAddress = new InetSocketAddress("127.0.0.1", origin.start(new InetSocketAddress("127.0.0.1", 0)));
        if (TestCa.opensslAvailable()) {
            ca = TestCa.create(dir.resolve("pki"));
            serverTls = SslContextBuilder.forServer(ca.serverCert.toFile(), ca.serverKey.toFile()).build();
        }
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    static HttpOptions options() {
        return HttpOptions.defaults().withHeader("Authorization", TOKEN)
                .withRetries(2, Duration.ofMillis(5), Duration.ofMillis(10))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    @Test
    void dropsCredentialsOnARedirectToAnotherHostAndResumesThere() throws Exception {
        try (FaultInjectingProxy other = FaultInjectingProxy.start(originAddress, null, "localhost",
                Fault.cutAfter(1 << 20).times(1));
             FaultInjectingProxy first = FaultInjectingProxy.start(originAddress,
                     Fault.redirect(302, other.url("b.tandem").toString()));
             HttpSource s = HttpSource.open(first.url("b.tandem?sig=abc"), options())) {
            assertThat(TestFiles.drain(s, 65536)).isEqualTo(sha);
            assertThat(first.recorded()).hasSize(1);
            assertThat(first.recorded().get(0).headers().get("Authorization")).isEqualTo(TOKEN);
            assertThat(other.recorded()).hasSize(3); // the rest and its resume went to where the redirect pointed
            assertThat(other.recorded()).allSatisfy(r -> assertThat(r.headers().contains("Authorization")).isFalse());
            assertThat(s.name()).doesNotContain("sig=");
        }
    }

    @Test
    void keepsCredentialsOnARedirectWithinTheOrigin() throws Exception {
        try (FaultInjectingProxy proxy = FaultInjectingProxy.start(originAddress,
                Fault.redirect(307, "/b.tandem").times(1));
             HttpSource s = HttpSource.open(proxy.url("old/b.tandem"), options())) {
            assertThat(TestFiles.drain(s, 65536)).isEqualTo(sha);
            assertThat(proxy.recorded()).hasSize(3)
                    .allSatisfy(r -> assertThat(r.headers().get("Authorization")).isEqualTo(TOKEN));
        }
    }

    @Test
    void refusesMoreThanFiveRedirects() {
        try (FaultInjectingProxy proxy = FaultInjectingProxy.start(originAddress, Fault.redirect(301, "/loop"))) {
            assertThatThrownBy(() -> HttpSource.open(proxy.url("loop"), options()))
                    .isInstanceOfSatisfying(SourceException.class,
                            e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.REDIRECT));
            assertThat(proxy.requests()).isEqualTo(6);
        }
    }

    @Test
    void refusesARedirectFromHttpsToHttp() {
        assumeTrue(ca != null, "openssl CLI is not installed");
        try (FaultInjectingProxy plain = FaultInjectingProxy.start(originAddress);
             FaultInjectingProxy secure = FaultInjectingProxy.start(originAddress, serverTls, "localhost",
                     Fault.redirect(302, plain.url("b.tandem").toString()))) {
            assertThatThrownBy(() -> HttpSource.open(secure.url("b.tandem"), options().withCaFile(ca.caCert)))
                    .isInstanceOfSatisfying(SourceException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SourceException.Reason.REDIRECT);
                        assertThat(e.getMessage()).contains("https to http");
                    });
            assertThat(plain.requests()).isZero();
        }
    }

    @Test
    void readsFromStaticFileServerOverHttps() throws Exception {
        assumeTrue(ca != null, "openssl CLI is not installed");
        try (StaticFileServer tlsServer = new StaticFileServer(origin.root(), ca.serverCert, ca.serverKey)) {
            int port = tlsServer.start(new InetSocketAddress("127.0.0.1", 0));
            try (HttpSource s = HttpSource.open(URI.create("https://localhost:" + port + "/b.tandem"),
                    options().withCaFile(ca.caCert))) {
                assertThat(TestFiles.drain(s, 65536)).isEqualTo(sha);
            }
            // Without the test CA, the JDK's trust store refuses the certificate.
            assertThatThrownBy(() -> HttpSource.open(URI.create("https://localhost:" + port + "/b.tandem"), options()))
                    .isInstanceOfSatisfying(SourceException.class,
                            e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.TLS));
        }
    }
}
