package dev.tandem.agent.ddi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Real TLS material for the DDI tests, made by the openssl CLI: a CA ({@code ca.pem}), a server certificate for
 * 127.0.0.1 that it signed, a device certificate it signed ({@code client.pem}, PKCS#8 key {@code client.key}), and
 * an unrelated CA ({@code other.pem}).
 *
 * @param caPem      the server's CA, for the agent's {@code ca-file}
 * @param otherPem   a CA that did not sign the server's certificate
 * @param server     the server's TLS context; it trusts client certificates the CA signed (when it asks for one)
 * @param clientPem  a device certificate the CA signed, for {@code [http] client-cert}
 * @param clientKey  its key, for {@code [http] client-key}
 */
public record TestTls(Path caPem, Path otherPem, SSLContext server, Path clientPem, Path clientKey) {

    /** Whether the openssl CLI runs here (tests needing it are skipped otherwise). */
    public static boolean available(Path dir) throws IOException, InterruptedException {
        return openssl(dir, "version");
    }

    public static TestTls create(Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("ext"), "subjectAltName=IP:127.0.0.1\n");
        run(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=fleet test CA");
        run(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1");
        run(dir, "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext");
        run(dir, "pkcs12", "-export", "-in", "srv.pem", "-inkey", "srv.key", "-out", "srv.p12",
                "-passout", "pass:test");
        run(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=device 1");
        run(dir, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "client.pem", "-days", "2");
        run(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "other.key", "-out", "other.pem", "-days", "2", "-subj", "/CN=other CA");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("srv.p12"))) {
            ks.load(in, "test".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "test".toCharArray());
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("ca.pem"))) {
            anchors.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(anchors);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return new TestTls(dir.resolve("ca.pem"), dir.resolve("other.pem"), serverTls, dir.resolve("client.pem"),
                dir.resolve("client.key"));
    }

    private static void run(Path dir, String... args) throws IOException, InterruptedException {
        if (!openssl(dir, args)) {
            throw new IOException("openssl " + String.join(" ", args) + " failed");
        }
    }

    private static boolean openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
