package dev.tandem.slot.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.slot.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feed-mode keys of [agent], and where another channel's feed is. */
class FeedKeysTest {

    @TempDir
    Path dir;

    private static final String HEAD = """
            compatible = "x"
            bootloader = "uboot"
            keyring = "keyring.pem"
            [slots."rootfs.0"]
            partlabel = "a"
            bootname = "A"
            [slots."rootfs.1"]
            partlabel = "b"
            bootname = "B"
            [agent]
            """;

    @BeforeEach
    void keyring() throws IOException {
        Files.writeString(dir.resolve("keyring.pem"), "anchors\n");
    }

    private AgentConfig agent(String keys) throws IOException {
        Path file = dir.resolve("system.toml");
        Files.writeString(file, HEAD + keys);
        return SystemConfig.load(file).agent();
    }

    @Test
    void theChannelDefaultsToTheFeedsDirectory() throws IOException {
        AgentConfig a = agent("feed = \"https://u.example.com/os/stable/feed.json\"\n");
        assertThat(a.feed()).isEqualTo(URI.create("https://u.example.com/os/stable/feed.json"));
        assertThat(a.channel()).isEqualTo("stable");
        assertThat(a.feedInterval()).isEqualTo(Duration.ofHours(1));
        AgentConfig b = agent("feed = \"https://u.example.com/f/feed.json\"\nchannel = \"f\"\nfeed-interval = \"5m\"\n");
        assertThat(b.feedInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(agent("").feed()).isNull();
    }

    @Test
    void badFeedKeysAreRefusedWithTheKey() {
        assertThatThrownBy(() -> agent("feed = \"ftp://u/os/stable/feed.json\"\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("feed").hasMessageContaining("http:// or https://");
        assertThatThrownBy(() -> agent("feed = \"https://user:pw@u/os/stable/feed.json\"\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("user:password");
        assertThatThrownBy(() -> agent("feed = \"https://u/feed.json\"\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("channel");
        assertThatThrownBy(() -> agent("feed = \"https://u/os/stable/feed.json\"\nchannel = \"Stable!\"\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not a channel name");
        assertThatThrownBy(() -> agent("channel = \"stable\"\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("set feed too");
        assertThatThrownBy(() -> agent("feed = \"https://u/os/stable/feed.json\"\nfeed-interval = \"0s\"\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at least 1 s");
    }

    @Test
    void anotherChannelsFeedReplacesTheChannelsPathSegment() {
        URI feed = URI.create("https://u.example.com:8443/stable/os/stable/feed.json");
        assertThat(FeedKeys.urlFor(feed, "stable", "beta"))
                .isEqualTo(URI.create("https://u.example.com:8443/stable/os/beta/feed.json"));
        assertThat(FeedKeys.urlFor(feed, "stable", "stable")).isEqualTo(feed);
        assertThatThrownBy(() -> FeedKeys.urlFor(feed, "stable", "../x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a channel name");
        assertThatThrownBy(() -> FeedKeys.urlFor(URI.create("https://u/f/feed.json"), "stable", "beta"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not name the channel");
    }
}
