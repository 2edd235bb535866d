package dev.tandem.install.http;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ContentRange} and {@link ProxyRoute}: the small parsers of untrusted text. */
class HeaderParsingTest {

    @Test
    void parsesContentRangeStrictly() {
        assertThat(ContentRange.parse("bytes 0-9/100")).isEqualTo(new ContentRange(0, 9, 100));
        assertThat(ContentRange.parse("bytes */100")).isEqualTo(new ContentRange(-1, -1, 100));
        assertThat(ContentRange.parse("bytes 5-9/*")).isEqualTo(new ContentRange(5, 9, -1));
        for (String bad : new String[] {"bytes 9-0/100", "bytes 0-100/100", "bytes 0-9", "items 0-9/100",
                "bytes -1-9/100", "bytes 0-9/100x", "bytes 0-99999999999999999999/1", ""}) {
            assertThat(ContentRange.parse(bad)).as(bad).isNull();
        }
    }

    @Test
    void choosesProxiesFromTheEnvironment() {
        ProxyRoute r = new ProxyRoute(Map.of("HTTPS_PROXY", "http://user:pw@proxy:3128",
                "http_proxy", "plain:8080", "NO_PROXY", "internal.example, .corp,10.0.0.1,localhost:9000"));
        assertThat(r.select(URI.create("https://updates.example.com/x"))).hasToString("proxy:3128");
        assertThat(r.select(URI.create("https://updates.example.com/x")).authorization())
                .isEqualTo("Basic dXNlcjpwdw==");
        assertThat(r.select(URI.create("http://updates.example.com/x"))).hasToString("plain:8080");
        assertThat(r.select(URI.create("https://internal.example/x"))).isNull();
        assertThat(r.select(URI.create("https://a.internal.example/x"))).isNull();
        assertThat(r.select(URI.create("https://x.corp/x"))).isNull();
        assertThat(r.select(URI.create("http://10.0.0.1/x"))).isNull();
        assertThat(r.select(URI.create("http://localhost:9000/x"))).isNull();
        assertThat(r.select(URI.create("http://localhost:9001/x"))).isNotNull();
        assertThat(r.select(URI.create("https://notinternal.example/x"))).isNotNull();
        assertThat(new ProxyRoute(Map.of("https_proxy", "http://p:1", "no_proxy", "*"))
                .select(URI.create("https://a/"))).isNull();
        assertThat(new ProxyRoute(Map.of()).select(URI.create("https://a/"))).isNull();
        assertThatThrownBy(() -> new ProxyRoute(Map.of("HTTPS_PROXY", "socks5://p:1")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesHeadersTheSourceOwnsOrThatCouldSplitARequest() {
        assertThatThrownBy(() -> HttpOptions.defaults().withHeader("Range", "bytes=0-"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpOptions.defaults().withHeader("X-A", "b\r\nHost: evil"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(HttpOptions.defaults().withHeader("Authorization", "TargetToken t").headers())
                .containsEntry("Authorization", "TargetToken t");
    }

    @Test
    void showsUrlsWithoutSecrets() {
        assertThat(BundleClient.display(URI.create("https://u:p@h.example:8443/a/b.tandem?sig=1#f")))
                .isEqualTo("https://h.example:8443/a/b.tandem");
    }
}
