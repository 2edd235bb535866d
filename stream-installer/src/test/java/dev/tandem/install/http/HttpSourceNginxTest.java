package dev.tandem.install.http;

import dev.tandem.bundle.BundleSource.ByteRange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link HttpSource} against a real nginx: plain, HTTPS with a test CA, mutual TLS, multi-range. */
class HttpSourceNginxTest {

    static final int SIZE = 64 << 20;

    @TempDir
    static Path dir;
    static NginxServer nginx;
    static TestCa ca;
    static Path file;
    static byte[] content;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(NginxServer.binary() != null, "nginx is not installed (apt-get install nginx-light)");
        assumeTrue(TestCa.opensslAvailable(), "openssl CLI is not installed");
        Path root = Files.createDirectories(dir.resolve("www"));
        file = TestFiles.random(root, "big.tandem", SIZE, 11);
        content = Files.readAllBytes(file);
        ca = TestCa.create(dir.resolve("pki"));
        nginx = NginxServer.start(root, dir.resolve("nginx"), ca);
    }

    @AfterAll
    static void stop() {
        if (nginx != null) {
            nginx.close();
        }
    }

    static HttpOptions options() {
        return HttpOptions.defaults().withRetries(2, Duration.ofMillis(10), Duration.ofMillis(50))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    @Test
    void readsA64MiBFileByteIdentical() throws Exception {
        try (HttpSource s = HttpSource.open(URI.create("http://127.0.0.1:" + nginx.httpPort + "/big.tandem"),
                options())) {
            assertThat(s.size()).hasValue(SIZE);
            assertThat(s.canSeekBackward()).isTrue();
            assertThat(TestFiles.drain(s, 65536)).isEqualTo(TestFiles.sha256(file));
            assertThat(s.requestsSent()).isEqualTo(2); // the first window, then the rest the reader announced
        }
    }

    @Test
    void seeksByRange() throws Exception {
        try (HttpSource s = HttpSource.open(URI.create("http://127.0.0.1:" + nginx.httpPort + "/big.tandem"),
                options())) {
            byte[] buf = new byte[10_000];
            for (long at : new long[] {50_000_000, 17, SIZE - 10_000, 1_000_000}) {
                s.seek(at);
                int n = HttpSourceTest.readFully(s, buf, buf.length);
                assertThat(Arrays.copyOf(buf, n)).isEqualTo(Arrays.copyOfRange(content, (int) at, (int) at + n));
            }
            assertThat(s.requestsSent()).isEqualTo(5);
        }
    }

    @Test
    void readsManySmallRangesWithMultiRangeRequests() throws Exception {
        SplittableRandom rnd = new SplittableRandom(5);
        List<ByteRange> ranges = new ArrayList<>();
        long at = 0;
        while (true) {
            at += rnd.nextInt(300_000, 600_000);
            int len = rnd.nextInt(1, 20_000);
            if (at + len > SIZE) {
                break;
            }
            ranges.add(new ByteRange(at, len));
            at += len;
        }
        long before = nginx.bytesServed();
        try (HttpSource s = HttpSource.open(URI.create("http://127.0.0.1:" + nginx.httpPort + "/big.tandem"),
                options())) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            s.readRanges(ranges, (offset, buf, off, len) -> got.write(buf, off, len));
            ByteArrayOutputStream want = new ByteArrayOutputStream();
            ranges.forEach(r -> want.write(content, (int) r.offset(), (int) r.length()));
            assertThat(got.toByteArray()).isEqualTo(want.toByteArray());
            // One GET to open, then ~150 ranges in 64-range multipart requests.
            assertThat(s.requestsSent()).isEqualTo(1 + (ranges.size() + 63) / 64);
        }
        assertThat(ranges.size()).isGreaterThan(100);
    }

    @Test
    void readsOverHttpsWithATestCa() throws Exception {
        try (HttpSource s = HttpSource.open(URI.create("https://localhost:" + nginx.httpsPort + "/big.tandem"),
                options().withCaFile(ca.caCert))) {
            s.seek(SIZE - 4_000_000);
            assertThat(TestFiles.drain(s, 65536)).isEqualTo(sha(SIZE - 4_000_000, SIZE));
        }
    }

    @Test
    void refusesAServerCertificateFromAnotherCa() throws Exception {
        TestCa other = TestCa.create(dir.resolve("other-pki"));
        assertThatThrownBy(() -> HttpSource.open(URI.create("https://localhost:" + nginx.httpsPort + "/big.tandem"),
                options().withCaFile(other.caCert)))
                .isInstanceOfSatisfying(SourceException.class,
                        e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.TLS));
    }

    @Test
    void authenticatesWithAClientCertificate() throws Exception {
        URI mtls = URI.create("https://127.0.0.1:" + nginx.mtlsPort + "/big.tandem");
        try (HttpSource s = HttpSource.open(mtls,
                options().withCaFile(ca.caCert).withClientCertificate(ca.clientCert, ca.clientKey))) {
            s.seek(SIZE - 1000);
            assertThat(TestFiles.drain(s, 4096)).isEqualTo(sha(SIZE - 1000, SIZE));
        }
        assertThatThrownBy(() -> HttpSource.open(mtls, options().withCaFile(ca.caCert)))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SourceException.Reason.HTTP_STATUS);
                    assertThat(e.status()).isEqualTo(400); // nginx: "No required SSL certificate was sent"
                });
    }

    @Test
    void resumesThroughTheFaultProxyInFrontOfNginx() throws Exception {
        Fault cut = Fault.cutAfter(20 << 20);
        long before = nginx.bytesServed();
        try (FaultInjectingProxy proxy = FaultInjectingProxy.start(
                new java.net.InetSocketAddress("127.0.0.1", nginx.httpPort), cut);
             HttpSource s = HttpSource.open(proxy.url("big.tandem"), options())) {
            assertThat(TestFiles.drain(s, 65536)).isEqualTo(TestFiles.sha256(file));
            assertThat(cut.fired()).isEqualTo(3);
            assertThat(s.bytesReceived()).isEqualTo(SIZE);
        }
        System.out.println("nginx served " + (nginx.bytesServed() - before) + " for " + SIZE + " with 3 cuts");
    }

    static String sha(long from, long to) {
        var md = TestFiles.sha();
        md.update(content, (int) from, (int) (to - from));
        return java.util.HexFormat.of().formatHex(md.digest());
    }
}
