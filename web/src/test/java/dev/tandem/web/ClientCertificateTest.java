package dev.tandem.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.install.TestDevice;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code client-ca} without a token: the TLS handshake requires a client certificate from that CA. */
class ClientCertificateTest {

    @TempDir
    Path dir;

    @Test
    void onlyAClientWithACertificateFromTheCaGetsIn() throws Exception {
        TestDevice device = TestDevice.create(dir.resolve("device"), 4 << 20, "");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        WebFixture.selfSignedCertificate(cert, key);
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=client-ca", "-keyout", "ca.key", "-out", "ca.pem");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
                "/CN=technician", "-keyout", "client.key", "-out", "client.csr");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-out", "client.pem");
        openssl("pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key", "-passout", "pass:test", "-out",
                "client.p12");

        WebServer server = new WebServer(new WebOptions("127.0.0.1", 0, cert, key, null, dir.resolve("ca.pem"),
                Duration.ofSeconds(30)), new LocalInstallService(device::slots, () -> { }));
        int port = server.start();
        try {
            URI status = URI.create("https://127.0.0.1:" + port + "/api/status");
            HttpClient without = HttpClient.newBuilder().sslContext(tls(cert, null)).build();
            assertThatThrownBy(() -> without.send(HttpRequest.newBuilder(status).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
            HttpClient with = HttpClient.newBuilder().sslContext(tls(cert, dir.resolve("client.p12"))).build();
            HttpResponse<String> r = with.send(HttpRequest.newBuilder(status).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains(TestDevice.SLOT_B);
        } finally {
            server.close();
        }
    }

    private static SSLContext tls(Path serverCert, Path clientP12) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = new FileInputStream(serverCert.toFile())) {
            trust.setCertificateEntry("web", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientP12 != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(clientP12.toFile())) {
                ks.load(in, "test".toCharArray());
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "test".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private void openssl(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
    }
}
