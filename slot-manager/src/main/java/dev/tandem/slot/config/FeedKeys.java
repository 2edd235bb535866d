package dev.tandem.slot.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The feed-mode keys of {@code [agent]}: {@code feed}, {@code channel}, {@code feed-interval} (device-agent/FEED.md).
 * Also the one place that says what a channel name is and where another channel's feed lives, so that the agent,
 * {@code tandem channel set} and {@code tandem feed publish} agree.
 *
 * @param url      the configured channel's feed, or null without feed mode
 * @param channel  the configured channel's name, or null without feed mode
 * @param interval how often the feed is read
 */
public record FeedKeys(URI url, String channel, Duration interval) {

    /** A channel name: lower-case letters, digits, '.', '_' and '-', 1 to 64, starting with a letter or digit. */
    public static final Pattern CHANNEL = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    /** The default of {@code feed-interval}. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofHours(1);

    static FeedKeys parse(TomlTable t) {
        Optional<String> s = t.string("feed");
        Duration interval = t.duration("feed-interval").orElse(DEFAULT_INTERVAL);
        if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw t.error("feed-interval", "must be at least 1 s");
        }
        Optional<String> channel = t.string("channel");
        if (s.isEmpty()) {
            if (channel.isPresent()) {
                throw t.error("channel", "applies to feed mode; set feed too");
            }
            return new FeedKeys(null, null, interval);
        }
        URI url;
        try {
            url = new URI(s.get());
        } catch (URISyntaxException e) {
            throw t.error("feed", "not a URL: " + e.getMessage());
        }
        if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme()) || url.getHost() == null) {
            throw t.error("feed", "must be an http:// or https:// URL, not " + s.get());
        }
        if (url.getRawUserInfo() != null) {
            throw t.error("feed", "must not carry user:password (use [http] headers)");
        }
        String name = channel.orElseGet(() -> defaultChannel(url));
        if (name == null || !CHANNEL.matcher(name).matches()) {
            throw t.error("channel", channel.isPresent() ? "'" + name + "' is not a channel name (" + CHANNEL + ")"
                    : "not set, and the feed URL's directory does not name one");
        }
        return new FeedKeys(url, name, interval);
    }

    /** The directory that holds feed.json: {@code stable} in {@code https://h/os/stable/feed.json}; null if none. */
    static String defaultChannel(URI feed) {
        String path = feed.getPath() == null ? "" : feed.getPath();
        String[] parts = path.split("/");
        return parts.length >= 2 ? parts[parts.length - 2] : null;
    }

    /**
     * Where {@code channel}'s feed is: the configured feed URL with the path segment that names the configured
     * channel replaced (the last one that does), {@code https://h/os/stable/feed.json} → {@code
     * https://h/os/beta/feed.json}.
     *
     * @throws IllegalArgumentException when the name is not a channel name, or the URL does not name the
     *                                  configured channel in a path segment
     */
    public static URI urlFor(URI feed, String configuredChannel, String channel) {
        if (!CHANNEL.matcher(channel).matches()) {
            throw new IllegalArgumentException("'" + channel + "' is not a channel name: 1 to 64 of a-z, 0-9,"
                    + " '.', '_', '-'");
        }
        if (channel.equals(configuredChannel)) {
            return feed;
        }
        String path = feed.getRawPath();
        String[] parts = path.split("/", -1);
        for (int i = parts.length - 1; i >= 0; i--) {
            if (parts[i].equals(configuredChannel)) {
                parts[i] = channel;
                try {
                    return new URI(feed.getScheme(), feed.getRawAuthority(), null, null, null)
                            .resolve(String.join("/", parts));
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
        }
        throw new IllegalArgumentException("the feed URL " + feed + " does not name the channel "
                + configuredChannel + " in its path, so the other channels' feeds cannot be found");
    }
}
