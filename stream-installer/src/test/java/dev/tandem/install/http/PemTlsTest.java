package dev.tandem.install.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK TLS context from {@code [http]}'s PEM files: the files the downloads' Netty client takes. */
class PemTlsTest {

    @Test
    void theDownloadsPemFilesMakeAContextThatAuthenticatesBothWays(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestCa.opensslAvailable(), "openssl not installed");
        TestCa ca = TestCa.create(dir);
        SSLContext server = PemTls.sslContext(ca.caCert, ca.serverCert, ca.serverKey);
        SSLContext client = PemTls.of(HttpOptions.defaults().withCaFile(ca.caCert)
                .withClientCertificate(ca.clientCert, ca.clientKey));
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ss.setNeedClientAuth(true);
            CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    return s.getSession().getPeerPrincipal().getName();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("localhost", ss.getLocalPort())) {
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                s.setSSLParameters(p);
                s.startHandshake();
            }
            assertThat(peer.get(30, TimeUnit.SECONDS)).isEqualTo("CN=device-001");
        }
    }

    @Test
    void withoutFilesTheJdksDefaultsApply() throws Exception {
        assertThat(PemTls.of(HttpOptions.defaults())).isNull();
    }

    @Test
    void anRsaKeyInPkcs8IsReadToo(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(TestCa.opensslAvailable(), "openssl not installed");
        assertThat(TestCa.run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key",
                "-out", "rsa.pem", "-days", "2", "-subj", "/CN=rsa device")).isZero();
        assertThat(Files.readString(dir.resolve("rsa.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(PemTls.sslContext(null, dir.resolve("rsa.pem"), dir.resolve("rsa.key"))).isNotNull();
    }

    @Test
    void unusableFilesAreOneLineErrorsNamingTheFile(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "no certificate here\n");
        assertThatThrownBy(() -> PemTls.sslContext(empty, null, null)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("ca-file " + empty + ": ").hasMessageNotContaining("\n");
        Path huge = dir.resolve("huge.pem");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(2L << 20);
        }
        assertThatThrownBy(() -> PemTls.sslContext(huge, null, null)).isInstanceOf(IOException.class)
                .hasMessage("ca-file " + huge + ": larger than 1 MiB");
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> PemTls.sslContext(missing, null, null)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("ca-file " + missing + ": cannot read");
    }
}
