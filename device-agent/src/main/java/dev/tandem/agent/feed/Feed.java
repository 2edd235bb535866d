package dev.tandem.agent.feed;

import java.time.Instant;
import java.util.List;

/**
 * A channel's signed index of current bundles (device-agent/FEED.md).
 *
 * @param channel the channel it belongs to; a device refuses another channel's feed
 * @param issued  when it was published; a device refuses a feed older than the last one it saw
 * @param expires after this, devices refuse it (a frozen mirror cannot hold devices back for ever)
 * @param bundles the entries, at most {@link FeedJson#MAX_ENTRIES}
 */
public record Feed(String channel, Instant issued, Instant expires, List<FeedEntry> bundles) {

    /** The format this code writes and reads. */
    public static final int FORMAT = 1;

    public Feed {
        bundles = List.copyOf(bundles);
    }
}
