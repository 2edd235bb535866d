package dev.tandem.install.http;

import dev.tandem.testsupport.RawHttpServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * What the blocking HTTP connection accepts from a server, and what it refuses: response heads and body framing
 * as a hostile or broken server writes them (HttpConnection, ResponseHead), against a raw socket server.
 */
class HttpResponseFramingTest {

    static final byte[] CONTENT = new byte[300_000];

    static {
        new SplittableRandom(7).nextBytes(CONTENT);
    }

    static HttpOptions options() {
        return HttpOptions.defaults().withRetries(0, Duration.ofMillis(1), Duration.ofMillis(1))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(2));
    }

    static URI url(RawHttpServer s) {
        return URI.create("http://127.0.0.1:" + s.port() + "/b.tandem");
    }

    static byte[] readAll(RawHttpServer s) throws Exception {
        try (HttpSource src = HttpSource.open(url(s), options())) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[10_000];
            int n;
            while ((n = src.read(buf, 0, buf.length)) >= 0) {
                got.write(buf, 0, n);
            }
            return got.toByteArray();
        }
    }

    static SourceException.Reason failure(RawHttpServer s) {
        try {
            readAll(s);
        } catch (SourceException e) {
            return e.reason();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("read succeeded");
    }

    /** A chunked body with chunk extensions, an empty line of trailers and odd chunk sizes. */
    static byte[] chunked(byte[] body, String head) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("HTTP/1.1 200 OK\r\n" + head + "Transfer-Encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        int at = 0;
        for (int size = 1; at < body.length; size = size * 3 + 7) {
            int n = Math.min(size, body.length - at);
            b.writeBytes((Integer.toHexString(n) + (size % 2 == 0 ? ";ext=1" : "") + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            b.write(body, at, n);
            b.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            at += n;
        }
        b.writeBytes("0\r\nX-Trailer: yes\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return b.toByteArray();
    }

    static RawHttpServer answering(byte[] response) throws Exception {
        return new RawHttpServer((request, out) -> out.write(response));
    }

    static RawHttpServer answeringHead(String head) throws Exception {
        return answering(("HTTP/1.1 200 OK\r\n" + head + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void readsAChunkedBodyWithExtensionsAndTrailersByteIdentical() throws Exception {
        try (RawHttpServer s = answering(chunked(CONTENT, ""))) {
            assertThat(readAll(s)).isEqualTo(CONTENT);
        }
    }

    @Test
    void readsABodyThatEndsWhenTheServerCloses() throws Exception {
        byte[] head = "HTTP/1.0 200 OK\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        try (RawHttpServer s = answering(concat(head, CONTENT))) {
            assertThat(readAll(s)).isEqualTo(CONTENT);
        }
    }

    @Test
    void refusesFramingThatTwoPartiesCouldReadDifferently() throws Exception {
        for (String head : new String[] {
                "Content-Length: 10\r\nTransfer-Encoding: chunked\r\n",
                "Content-Length: 10\r\nContent-Length: 11\r\n",
                "Content-Length: -1\r\n",
                "Content-Length: 1e3\r\n",
                "Transfer-Encoding: gzip, chunked\r\n",
                "Transfer-Encoding: identity\r\n"}) {
            try (RawHttpServer s = answeringHead(head)) {
                assertThat(failure(s)).as(head).isEqualTo(SourceException.Reason.PROTOCOL);
            }
        }
    }

    @Test
    void refusesMalformedHeads() throws Exception {
        for (String response : new String[] {
                "HTTP/2 200 OK\r\n\r\n",
                "HTTP/1.1 20 OK\r\n\r\n",
                "ICY 200 OK\r\n\r\n",
                "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
                "HTTP/1.1 200 OK\r\n folded: line\r\n\r\n",
                "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
                // A validator with a bare CR would go back to the server in If-Range and could split the request.
                "HTTP/1.1 200 OK\r\nETag: \"a\rInjected: 1\"\r\nContent-Length: 0\r\n\r\n"}) {
            try (RawHttpServer s = answering(response.getBytes(StandardCharsets.ISO_8859_1))) {
                assertThat(failure(s)).as(response).isEqualTo(SourceException.Reason.PROTOCOL);
            }
        }
    }

    @Test
    void aReasonPhraseReachesTheMessageShortAndPrintable() throws Exception {
        String reason = "\u001b[2J\u001b[31mEvil " + "x".repeat(3000);
        byte[] response = ("HTTP/1.1 404 " + reason + "\r\nContent-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        try (RawHttpServer s = answering(response)) {
            assertThatThrownBy(() -> readAll(s)).isInstanceOfSatisfying(SourceException.class, e -> {
                assertThat(e.reason()).isEqualTo(SourceException.Reason.NOT_FOUND);
                assertThat(e.getMessage()).contains("404 ?[2J?[31mEvil xxx").doesNotContain("\u001b")
                        .hasSizeLessThan(300);
            });
        }
    }

    @Test
    void aReasonPhraseWithAnEightBitTerminalEscapeReachesTheMessageWithout() throws Exception {
        // Byte 0x9b is C1's CSI: some terminals read "0x9b 31m" as ESC [ 31m.
        byte[] response = ("HTTP/1.1 404 \u009b31mRed\r\nContent-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        try (RawHttpServer s = answering(response)) {
            assertThatThrownBy(() -> readAll(s)).isInstanceOfSatisfying(SourceException.class,
                    e -> assertThat(e.getMessage()).contains("404 ?31mRed").doesNotContain("\u009b"));
        }
    }

    @Test
    void refusesAHeadLineOrAHeadBeyondItsBound() throws Exception {
        String longLine = "X-Long: " + "a".repeat(HttpConnection.MAX_LINE) + "\r\n";
        String manyLines = ("X-Many: " + "b".repeat(100) + "\r\n").repeat(HttpConnection.MAX_HEAD / 100);
        for (String head : new String[] {longLine, manyLines}) {
            try (RawHttpServer s = answeringHead(head)) {
                assertThat(failure(s)).isEqualTo(SourceException.Reason.PROTOCOL);
            }
        }
    }

    @Test
    void refusesBadChunkFraming() throws Exception {
        String head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (String body : new String[] {"zz\r\nab\r\n0\r\n\r\n", "2\r\nabc\r\n0\r\n\r\n",
                "1234567890abcdef0\r\n", "-1\r\n"}) {
            try (RawHttpServer s = answering((head + body).getBytes(StandardCharsets.ISO_8859_1))) {
                assertThat(failure(s)).as(body).isEqualTo(SourceException.Reason.PROTOCOL);
            }
        }
    }

    @Test
    void skipsInterimResponsesButNotForEver() throws Exception {
        String interim = "HTTP/1.1 100 Continue\r\n\r\n";
        byte[] ok = RawHttpServer.response("200 OK", "", CONTENT);
        try (RawHttpServer s = answering(concat(interim.repeat(2).getBytes(StandardCharsets.ISO_8859_1), ok))) {
            assertThat(readAll(s)).isEqualTo(CONTENT);
        }
        byte[] endless = interim.repeat(HttpConnection.MAX_INTERIM + 2).getBytes(StandardCharsets.ISO_8859_1);
        try (RawHttpServer s = answering(concat(endless, ok))) {
            assertThat(failure(s)).isEqualTo(SourceException.Reason.PROTOCOL);
        }
    }

    @Test
    void aHeadTrickledByteByByteMustArriveWithinOneStallTimeout() throws Exception {
        // One byte every 100 ms never trips a per-read timeout of 2 s; the head's own deadline does.
        byte[] head = ("HTTP/1.1 200 OK\r\n" + "X-Slow: x\r\n".repeat(100) + "Content-Length: 0\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        try (RawHttpServer s = new RawHttpServer((request, out) -> trickle(out, head, 100))) {
            long start = System.nanoTime();
            assertThat(failure(s)).isEqualTo(SourceException.Reason.TIMEOUT);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void anInterruptStopsAReadThatWaitsForASilentServer() throws Exception {
        byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        try (RawHttpServer s = new RawHttpServer((request, out) -> {
            out.write(head);
            out.write(new byte[10]);
            out.flush();
            sleep(60_000);
        })) {
            HttpOptions patient = options().withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(60));
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (HttpSource src = HttpSource.open(url(s), patient)) {
                    byte[] buf = new byte[100];
                    while (src.read(buf, 0, buf.length) >= 0) {
                        continue;
                    }
                    failed.complete(null);
                } catch (Throwable e) {
                    failed.complete(e);
                }
            });
            reader.start();
            Thread.sleep(500);
            long start = System.nanoTime();
            reader.interrupt();
            Throwable e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> failed.get(30, TimeUnit.SECONDS));
            // The stall timeout is 60 s: an interrupt that only took effect at the next timeout would take that long.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            assertThat(e).isInstanceOfSatisfying(SourceException.class, x -> {
                assertThat(x.reason()).isEqualTo(SourceException.Reason.NETWORK);
                assertThat(x.getMessage()).contains("interrupted");
            });
        }
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplacedWithoutAFailure() throws Exception {
        // Every answer says keep-alive (HTTP/1.1, no Connection: close), yet this server closes after each one.
        try (RawHttpServer s = new RawHttpServer((request, out) -> out.write(rangeAnswer(request.header("range"))))) {
            HttpOptions noRetries = options();
            try (HttpSource src = HttpSource.open(url(s), noRetries)) {
                byte[] buf = new byte[1000];
                src.seek(200_000);
                assertThat(src.read(buf, 0, buf.length)).isPositive();
                src.seek(100_000);
                assertThat(src.read(buf, 0, buf.length)).isPositive();
                assertThat(Arrays.copyOf(buf, 10)).isEqualTo(Arrays.copyOfRange(CONTENT, 100_000, 100_010));
                // Each answered once. Usually no request is lost (the client sees the close before it sends); when
                // the close comes while the request goes out, the request is sent again at once, not failed. Either
                // of the two requests that find a kept-alive connection may meet that race: at most 3 + 2 sent.
                assertThat(s.requests()).hasSize(3);
                assertThat(src.requestsSent()).isBetween(3, 5);
            }
        }
    }

    @Test
    void aRequestAKeptAliveConnectionDropsUnansweredIsSentAgainOnceOnANewOne() throws Exception {
        // The second request arrives on the kept-alive connection and the server closes it without a byte of
        // answer: what an idle timeout that fires as the request goes out looks like, made certain.
        try (RawHttpServer s = RawHttpServer.keepAlive((request, out) -> {
            if (request.number() == 2) {
                out.close();
                return;
            }
            out.write(rangeAnswer(request.header("range")));
        })) {
            try (HttpSource src = HttpSource.open(url(s), options())) {
                byte[] buf = new byte[1000];
                src.seek(200_000);
                assertThat(src.read(buf, 0, buf.length)).isPositive();
                assertThat(Arrays.copyOf(buf, 10)).isEqualTo(Arrays.copyOfRange(CONTENT, 200_000, 200_010));
                assertThat(src.requestsSent()).isEqualTo(3);
            }
            assertThat(s.requests()).hasSize(3);
        }
    }

    private static byte[] rangeAnswer(String range) {
        String[] ab = range.substring("bytes=".length()).split("-");
        int first = Integer.parseInt(ab[0]);
        int last = Math.min(Integer.parseInt(ab[1]), CONTENT.length - 1);
        return RawHttpServer.response("206 Partial Content", "ETag: \"e\"\r\nContent-Range: bytes " + first + "-"
                + last + "/" + CONTENT.length + "\r\n", Arrays.copyOfRange(CONTENT, first, last + 1));
    }

    private static void trickle(OutputStream out, byte[] bytes, long everyMs) throws java.io.IOException {
        for (byte b : bytes) {
            out.write(b);
            out.flush();
            sleep(everyMs);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
