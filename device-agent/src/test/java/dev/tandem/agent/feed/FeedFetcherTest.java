package dev.tandem.agent.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tandem.install.http.HttpOptions;
import dev.tandem.testsupport.RawHttpServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Reading a feed from a hostile server: bounded in size and in time, one-line errors. */
class FeedFetcherTest {

    private static final HttpOptions OPTIONS = HttpOptions.defaults();

    @Test
    void aBodyWithinTheLimitIsRead() throws Exception {
        try (RawHttpServer s = new RawHttpServer((req, out) -> out.write(
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII)))) {
            assertThat(new FeedFetcher(OPTIONS).fetch(s.uri().resolve("/stable/feed.json"), 100))
                    .isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void anAnnouncedLengthAboveTheLimitIsRefusedBeforeReading() throws Exception {
        try (RawHttpServer s = new RawHttpServer((req, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + (100L << 30) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1024]);
        })) {
            assertThatThrownBy(() -> new FeedFetcher(OPTIONS).fetch(s.uri().resolve("/feed.json"),
                    FeedJson.MAX_FEED_BYTES)).isInstanceOfSatisfying(FeedException.class, e -> {
                        assertThat(e.kind()).isEqualTo(FeedException.Kind.TOO_LARGE);
                        assertThat(e.getMessage()).contains("more than the 1048576 allowed").doesNotContain("\n");
                    });
        }
    }

    @Test
    void anEndlessBodyWithoutLengthIsCutAtTheLimit() throws Exception {
        try (RawHttpServer s = new RawHttpServer((req, out) -> {
            out.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] junk = new byte[64 * 1024];
            for (int i = 0; i < 1000; i++) {
                out.write(junk);
            }
        })) {
            assertThatThrownBy(() -> new FeedFetcher(OPTIONS).fetch(s.uri().resolve("/feed.json"), 100_000))
                    .isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.kind())
                            .isEqualTo(FeedException.Kind.TOO_LARGE));
        }
    }

    @Test
    void aServerThatTricklesIsGivenUpOnAtTheDeadline() throws Exception {
        try (RawHttpServer s = new RawHttpServer((req, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try {
                for (int i = 0; i < 1000; i++) {
                    out.write('x');
                    out.flush();
                    Thread.sleep(500);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            FeedFetcher f = new FeedFetcher(OPTIONS, Duration.ofSeconds(2));
            assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                    assertThatThrownBy(() -> f.fetch(s.uri().resolve("/feed.json"), 100_000))
                            .isInstanceOfSatisfying(FeedException.class, e -> assertThat(e.getMessage())
                                    .endsWith("not read within 2 s")));
        }
    }
}
