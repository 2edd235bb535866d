package dev.tandem.web;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.install.TestDevice;
import dev.tandem.slot.state.SlotState;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A simulated device (two file slots, the file bootloader, a development PKI) behind a running web page on
 * 127.0.0.1 with a self-signed certificate made by openssl, a token, and a reboot that only counts. Shared by
 * the HTTP tests here and the browser tests of the cli module.
 */
public final class WebFixture implements AutoCloseable {

    public static final String TOKEN = "test-token-0123456789abcdef";

    public final TestDevice device;
    public final Path cert;
    public final Path key;
    public final WebServer server;
    public final int port;
    /** Reboots asked for through the page. */
    public final AtomicInteger reboots;

    private WebFixture(TestDevice device, Path cert, Path key, WebServer server, int port,
                       AtomicInteger reboots) {
        this.device = device;
        this.cert = cert;
        this.key = key;
        this.server = server;
        this.port = port;
        this.reboots = reboots;
    }

    /** A device with slots of {@code slotSize} and its page; {@code wrap} may slow or watch the installer. */
    public static WebFixture start(Path dir, long slotSize, Duration idleTimeout,
                                   java.util.function.UnaryOperator<InstallService> wrap) throws IOException {
        TestDevice device = TestDevice.create(dir.resolve("device"), slotSize, "");
        Path cert = dir.resolve("web-cert.pem");
        Path key = dir.resolve("web-key.pem");
        selfSignedCertificate(cert, key);
        AtomicInteger reboots = new AtomicInteger();
        InstallService service = wrap.apply(new LocalInstallService(device::slots, reboots::incrementAndGet));
        WebServer server = new WebServer(new WebOptions("127.0.0.1", 0, cert, key, TOKEN, null, idleTimeout),
                service);
        return new WebFixture(device, cert, key, server, server.start(), reboots);
    }

    public String base() {
        return "https://127.0.0.1:" + port;
    }

    /** A TLS context that trusts only this page's certificate. */
    public SSLContext trust() throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = new FileInputStream(cert.toFile())) {
            ks.setCertificateEntry("web", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    public SlotState stateB() {
        return device.state(TestDevice.SLOT_B);
    }

    /** Whether the simulated bootloader would boot B. */
    public boolean bBootable() {
        return device.slots().status().slots().stream().filter(s -> s.name().equals(TestDevice.SLOT_B))
                .findFirst().orElseThrow().bootloader().bootable();
    }

    /** An EC P-256 certificate for 127.0.0.1 and localhost, with its PKCS#8 key. */
    public static void selfSignedCertificate(Path cert, Path key) throws IOException {
        assumeTrue(onPath("openssl"), "openssl is not installed (apt-get install openssl)");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=tandem-web-test",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key.toString(), "-out",
                cert.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("openssl req failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        server.close();
    }
}
