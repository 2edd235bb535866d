package dev.tandem.install.http;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MultipartByteRangesParserTest {

    static final String NGINX_STYLE = "\r\n--00000000001\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Range: bytes 0-3/100\r\n\r\nabcd\r\n--00000000001\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Range: bytes 50-52/100\r\n\r\nxyz"
            + "\r\n--00000000001--\r\n";

    /** What the listener saw, flattened: "part bytes 0-3/100", then "@0 abcd" per data callback, merged. */
    static List<String> parse(String body, String boundary, int fragment) throws IOException {
        List<String> events = new ArrayList<>();
        ByteArrayOutputStream cur = new ByteArrayOutputStream();
        long[] at = {-1};
        MultipartByteRangesParser p = new MultipartByteRangesParser(boundary, 100,
                new MultipartByteRangesParser.Listener() {
                    @Override
                    public void part(ContentRange range) {
                        flush();
                        events.add("part " + range);
                    }

                    @Override
                    public void data(long offset, ByteBuffer data) {
                        if (at[0] < 0) {
                            at[0] = offset;
                        }
                        assertThat(offset).isEqualTo(at[0] + cur.size());
                        byte[] b = new byte[data.remaining()];
                        data.get(b);
                        cur.write(b, 0, b.length);
                    }

                    private void flush() {
                        if (cur.size() > 0) {
                            events.add("@" + at[0] + " " + cur.toString(StandardCharsets.ISO_8859_1));
                            cur.reset();
                        }
                        at[0] = -1;
                    }
                }, "GET x");
        byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += fragment) {
            ByteBuffer b = ByteBuffer.wrap(bytes, i, Math.min(fragment, bytes.length - i));
            p.feed(b);
            assertThat(b.hasRemaining()).isFalse();
        }
        p.finish();
        if (cur.size() > 0) {
            events.add("@" + at[0] + " " + cur.toString(StandardCharsets.ISO_8859_1));
        }
        return events;
    }

    @Test
    void parsesTheSameInFragmentsOfEverySize() throws IOException {
        List<String> whole = parse(NGINX_STYLE, "00000000001", NGINX_STYLE.length());
        assertThat(whole).containsExactly("part bytes 0-3/100", "@0 abcd", "part bytes 50-52/100", "@50 xyz");
        for (int f = 1; f < NGINX_STYLE.length(); f++) {
            assertThat(parse(NGINX_STYLE, "00000000001", f)).as("fragment %d", f).isEqualTo(whole);
        }
    }

    @Test
    void acceptsBareLineFeedsPaddingAndAQuotedBoundary() throws IOException {
        String body = "--b \n" + "Content-Range: bytes 1-1/100\n\nQ\n--b--\n";
        assertThat(parse(body, "b", 3)).containsExactly("part bytes 1-1/100", "@1 Q");
        assertThat(MultipartByteRangesParser.boundaryOf("multipart/byteranges; boundary=\"a b\"")).isEqualTo("a b");
        assertThat(MultipartByteRangesParser.boundaryOf("application/octet-stream")).isNull();
    }

    @Test
    void rejectsAWrongBoundary() {
        assertProtocol(NGINX_STYLE, "00000000002", "no boundary");
    }

    @Test
    void rejectsAPartLongerThanItsContentRange() {
        assertProtocol(NGINX_STYLE.replace("abcd", "abcde"), "00000000001", "longer");
    }

    @Test
    void rejectsAPartWithoutContentRange() {
        assertProtocol(NGINX_STYLE.replace("Content-Range: bytes 0-3/100\r\n", ""), "00000000001", "without");
    }

    @Test
    void rejectsAnotherTotal() {
        assertProtocol(NGINX_STYLE.replace("0-3/100", "0-3/101"), "00000000001", "total");
    }

    @Test
    void rejectsABodyThatEndsBeforeTheClosingBoundary() {
        assertProtocol(NGINX_STYLE.substring(0, NGINX_STYLE.length() - 20), "00000000001", "ended inside");
    }

    static void assertProtocol(String body, String boundary, String message) {
        assertThatThrownBy(() -> parse(body, boundary, 7))
                .isInstanceOfSatisfying(SourceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SourceException.Reason.PROTOCOL);
                    assertThat(e.getMessage()).startsWith("GET x: multipart/byteranges: ").contains(message);
                });
    }
}
