package dev.tandem.install.http;

import dev.tandem.bundle.BundleSource.ByteRange;
import dev.tandem.testsupport.RawHttpServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link HttpSource#readRanges} against answers real servers rarely give: reordered parts, coalesced ranges. */
class HttpSourceRangeAnswersTest {

    static final int SIZE = 1 << 20;
    static final byte[] content = new byte[SIZE];
    static final String ETAG = "\"v1\"";

    static {
        new SplittableRandom(1).nextBytes(content);
    }

    final List<ByteRange> ranges = List.of(new ByteRange(1000, 100), new ByteRange(400_000, 50),
            new ByteRange(700_000, 10), new ByteRange(900_000, 1));

    /** A server that answers the first GET (for the first window) with the whole file and range requests via {@code ranges}. */
    static RawHttpServer server(Function<List<long[]>, byte[]> ranges) throws Exception {
        return RawHttpServer.keepAlive((request, out) -> out.write(answer(request.header("range"), ranges)));
    }

    private static byte[] answer(String range, Function<List<long[]>, byte[]> ranges) {
        if (range == null || range.equals("bytes=0-65535")) { // the first window: answered whole
            return RawHttpServer.response("200 OK", "Accept-Ranges: bytes\r\nETag: " + ETAG + "\r\n", content);
        }
        List<long[]> asked = new ArrayList<>();
        for (String spec : range.substring(6).split(",")) {
            String[] ab = spec.split("-");
            asked.add(new long[] {Long.parseLong(ab[0]), Long.parseLong(ab[1])});
        }
        return ranges.apply(asked);
    }

    static byte[] multipart(List<long[]> parts, String boundary) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (long[] p : parts) {
            b.writeBytes(("\r\n--" + boundary + "\r\nContent-Range: bytes " + p[0] + "-" + p[1] + "/" + SIZE
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            b.write(content, (int) p[0], (int) (p[1] - p[0] + 1));
        }
        b.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return RawHttpServer.response("206 Partial Content", "ETag: " + ETAG
                + "\r\nContent-Type: multipart/byteranges; boundary=" + boundary + "\r\n", b.toByteArray());
    }

    static byte[] single(long first, long last) {
        byte[] body = java.util.Arrays.copyOfRange(content, (int) first, (int) last + 1);
        return RawHttpServer.response("206 Partial Content", "ETag: " + ETAG + "\r\nContent-Range: bytes " + first
                + "-" + last + "/" + SIZE + "\r\n", body);
    }

    byte[] readRanges(RawHttpServer s) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        HttpOptions o = HttpOptions.defaults().withMultiRange(0, 64)
                .withRetries(1, Duration.ofMillis(1), Duration.ofMillis(1));
        try (HttpSource src = HttpSource.open(URI.create("http://127.0.0.1:" + s.port() + "/b"), o)) {
            long[] next = {-1};
            src.readRanges(ranges, (offset, buf, off, len) -> {
                assertThat(offset).isGreaterThan(next[0]);
                next[0] = offset + len - 1;
                got.write(buf, off, len);
            });
        }
        return got.toByteArray();
    }

    byte[] expected() {
        ByteArrayOutputStream want = new ByteArrayOutputStream();
        ranges.forEach(r -> want.write(content, (int) r.offset(), (int) r.length()));
        return want.toByteArray();
    }

    @Test
    void fallsBackToSingleRangesWhenPartsComeOutOfOrder() throws Exception {
        try (RawHttpServer s = server(asked -> {
            if (asked.size() == 1) {
                return single(asked.get(0)[0], asked.get(0)[1]);
            }
            List<long[]> reversed = new ArrayList<>(asked);
            Collections.reverse(reversed);
            return multipart(reversed, "rev");
        })) {
            assertThat(readRanges(s)).isEqualTo(expected());
            // Open, one reversed multipart (delivers the first range only), then the other three one by one.
            assertThat(s.requests()).hasSize(1 + 1 + 3);
        }
    }

    @Test
    void acceptsRangesCoalescedIntoOneAnswer() throws Exception {
        try (RawHttpServer s = server(asked -> single(asked.get(0)[0], asked.get(asked.size() - 1)[1]))) {
            assertThat(readRanges(s)).isEqualTo(expected());
            assertThat(s.requests()).hasSize(2);
        }
    }

    @Test
    void refusesAPartThatWasNotAsked() throws Exception {
        try (RawHttpServer s = server(asked -> multipart(List.of(new long[] {0, 99}), "x"))) {
            assertThatThrownBy(() -> readRanges(s)).isInstanceOfSatisfying(SourceException.class,
                    e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.PROTOCOL));
        }
    }

    @Test
    void refusesMorePartsThanRangesAsked() throws Exception {
        // Every part was asked, but one comes twice: a server that repeats parts could send them without end.
        try (RawHttpServer s = server(asked -> {
            List<long[]> parts = new ArrayList<>(asked);
            parts.add(asked.get(asked.size() - 1));
            return multipart(parts, "x");
        })) {
            assertThatThrownBy(() -> readRanges(s)).isInstanceOfSatisfying(SourceException.class,
                    e -> assertThat(e.getMessage()).contains("more than 4 parts for 4 ranges asked"));
        }
    }

    @Test
    void failsWithChangedWhenARangeAnswerCarriesAnotherETag() throws Exception {
        try (RawHttpServer s = server(asked -> RawHttpServer.response("206 Partial Content",
                "ETag: \"v2\"\r\nContent-Range: bytes 1000-1099/" + SIZE + "\r\n", new byte[100]))) {
            assertThatThrownBy(() -> readRanges(s)).isInstanceOfSatisfying(SourceException.class,
                    e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.CHANGED));
        }
    }
}
