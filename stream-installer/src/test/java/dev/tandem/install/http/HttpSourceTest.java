package dev.tandem.install.http;

import dev.tandem.serve.StaticFileServer;
import dev.tandem.bundle.BundleSource.ByteRange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
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

/** {@link HttpSource} against {@link StaticFileServer}: streaming, seeks, ranges, errors. */
class HttpSourceTest {

    static final int SIZE = 64 << 20;

    @TempDir
    static Path dir;
    static StaticFileServer server;
    static int port;
    static Path file;
    static byte[] content;

    @BeforeAll
    static void start() throws Exception {
        file = TestFiles.random(dir, "big.tandem", SIZE, 42);
        content = Files.readAllBytes(file);
        server = new StaticFileServer(dir);
        port = server.start(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static URI url(String name) {
        return URI.create("http://127.0.0.1:" + port + "/" + name);
    }

    static HttpOptions fast() {
        return HttpOptions.defaults().withRetries(3, Duration.ofMillis(10), Duration.ofMillis(50))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    @Test
    void readsA64MiBFileByteIdenticalInTwoRequests() throws Exception {
        try (HttpSource s = HttpSource.open(url("big.tandem"), fast())) {
            assertThat(s.size()).hasValue(SIZE);
            assertThat(s.canSeekBackward()).isTrue();
            assertThat(TestFiles.drain(s, 100_000)).isEqualTo(TestFiles.sha256(file));
            assertThat(s.position()).isEqualTo(SIZE);
            assertThat(s.bytesReceived()).isEqualTo(SIZE);
            assertThat(s.requestsSent()).isEqualTo(2); // the first window, then the rest the reader announced
        }
    }

    @Test
    void seeksForwardAndBackward() throws Exception {
        try (HttpSource s = HttpSource.open(url("big.tandem"), fast())) {
            byte[] buf = new byte[4096];
            for (long at : new long[] {10_000_000, 5, SIZE - 100, 123_456, 123_456 + 100_000, 40_000_000}) {
                s.seek(at);
                int n = readFully(s, buf, (int) Math.min(buf.length, SIZE - at));
                assertThat(Arrays.copyOf(buf, n)).isEqualTo(Arrays.copyOfRange(content, (int) at, (int) at + n));
                assertThat(s.position()).isEqualTo(at + n);
            }
            s.seek(SIZE);
            assertThat(s.read(buf, 0, 1)).isEqualTo(-1);
            // 6 seeks, one of them a short forward skip within the open response.
            assertThat(s.requestsSent()).isLessThanOrEqualTo(7);
            assertThat(s.bytesReceived()).isLessThan(8L << 20);
        }
    }

    @Test
    void readsManySmallRangesWithFewRequests() throws Exception {
        SplittableRandom rnd = new SplittableRandom(7);
        List<ByteRange> ranges = new ArrayList<>();
        long at = 0;
        while (ranges.size() < 500) {
            at += rnd.nextInt(1, 400_000);
            int len = rnd.nextInt(1, 70_000);
            if (at + len > SIZE) {
                break;
            }
            ranges.add(new ByteRange(at, len));
            at += len;
        }
        try (HttpSource s = HttpSource.open(url("big.tandem"), fast())) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            long[] next = {-1};
            s.readRanges(ranges, (offset, buf, off, len) -> {
                assertThat(offset).isGreaterThan(next[0]);
                got.write(buf, off, len);
                next[0] = offset + len - 1;
            });
            ByteArrayOutputStream want = new ByteArrayOutputStream();
            for (ByteRange r : ranges) {
                want.write(content, (int) r.offset(), (int) r.length());
            }
            assertThat(got.toByteArray()).isEqualTo(want.toByteArray());
            assertThat(s.requestsSent()).isLessThanOrEqualTo(1 + (ranges.size() + 63) / 64);
        }
    }

    @Test
    void failsWithNotFoundFor404() {
        assertThatThrownBy(() -> HttpSource.open(url("missing.tandem?token=secret"), fast()))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SourceException.Reason.NOT_FOUND);
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.getMessage())
                            .isEqualTo("GET http://127.0.0.1:" + port + "/missing.tandem (bytes=0-65535): 404 Not Found");
                });
    }

    @Test
    void failsWithNetworkErrorWhenNothingListens() throws Exception {
        int closedPort;
        try (var ss = new java.net.ServerSocket(0)) {
            closedPort = ss.getLocalPort();
        }
        assertThatThrownBy(() -> HttpSource.open(URI.create("http://127.0.0.1:" + closedPort + "/x"),
                fast().withRetries(1, Duration.ofMillis(1), Duration.ofMillis(1))))
                .isInstanceOfSatisfying(SourceException.class,
                        e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.NETWORK));
    }

    @Test
    void stopsAtTheRequestBudget() throws Exception {
        try (HttpSource s = HttpSource.open(url("big.tandem"), fast().withMaxRequests(2))) {
            s.seek(30_000_000);
            s.read(new byte[10], 0, 10);
            s.seek(1000);
            assertThatThrownBy(() -> s.read(new byte[10], 0, 10))
                    .isInstanceOfSatisfying(SourceException.class,
                            e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.TOO_MANY_REQUESTS));
        }
    }

    @Test
    void throttlesToMaxRate() throws Exception {
        long rate = 4 << 20;
        try (HttpSource s = HttpSource.open(url("big.tandem"), fast().withMaxRate(rate))) {
            byte[] buf = new byte[65536];
            long t0 = System.nanoTime();
            long total = 0;
            while (total < 4L << 20) {
                total += s.read(buf, 0, buf.length);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            // 4 MiB at 4 MiB/s with a 1 MiB burst: at least ~0.7 s.
            assertThat(seconds).isGreaterThan(0.6);
        }
    }

    static int readFully(HttpSource s, byte[] buf, int len) throws Exception {
        int got = 0;
        while (got < len) {
            int n = s.read(buf, got, len - got);
            if (n < 0) {
                break;
            }
            got += n;
        }
        return got;
    }
}
