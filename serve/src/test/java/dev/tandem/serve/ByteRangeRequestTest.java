package dev.tandem.serve;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link ByteRangeRequest}: the server's reading of an untrusted {@code Range} header. */
class ByteRangeRequestTest {

    @Test
    void resolvesServerSideRanges() {
        assertThat(ByteRangeRequest.parse("bytes=0-9,90-", 100)).containsExactly(
                new ByteRangeRequest.Span(0, 9), new ByteRangeRequest.Span(90, 99));
        assertThat(ByteRangeRequest.parse("bytes=-10", 100)).containsExactly(new ByteRangeRequest.Span(90, 99));
        assertThat(ByteRangeRequest.parse("bytes=50-500", 100)).containsExactly(new ByteRangeRequest.Span(50, 99));
        assertThat(ByteRangeRequest.parse("bytes=100-", 100)).isEmpty(); // 416
        assertThat(ByteRangeRequest.parse("bytes=9-0", 100)).isNull(); // invalid: ignored
        assertThat(ByteRangeRequest.parse("lines=1-2", 100)).isNull();
        assertThat(ByteRangeRequest.parse("bytes=0-1" + ",2-3".repeat(300), 100)).isNull();
    }
}
