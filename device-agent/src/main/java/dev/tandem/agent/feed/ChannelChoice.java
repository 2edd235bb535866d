package dev.tandem.agent.feed;

import dev.tandem.storage.DurableFile;
import dev.tandem.slot.config.FeedKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The channel a device follows when {@code tandem channel set} chose one other than system.toml's, kept in the
 * data-dir ({@code agent/feed-channel}: the name, and on a second line {@code may-downgrade} until the first
 * update from the new channel is good). A switch may lead to a lower version (beta back to stable); the installer
 * still refuses anything below the anti-rollback floor.
 *
 * @param channel      the channel followed
 * @param mayDowngrade the next install may be a lower version than the booted one
 */
public record ChannelChoice(String channel, boolean mayDowngrade) {

    /** Longest file this reads. */
    private static final int MAX_BYTES = 256;

    public ChannelChoice {
        if (!FeedKeys.CHANNEL.matcher(channel).matches()) {
            throw new IllegalArgumentException("'" + channel + "' is not a channel name");
        }
    }

    /** The stored choice, or {@code configured} without downgrades when none is stored. */
    public static ChannelChoice load(DurableFile file, String configured) throws IOException {
        Optional<byte[]> bytes = file.read();
        if (bytes.isEmpty()) {
            return new ChannelChoice(configured, false);
        }
        if (bytes.get().length > MAX_BYTES) {
            throw new IOException(file.path() + ": longer than " + MAX_BYTES + " bytes");
        }
        String[] lines = new String(bytes.get(), StandardCharsets.UTF_8).split("\n");
        try {
            return new ChannelChoice(lines[0].trim(), lines.length > 1 && lines[1].trim().equals("may-downgrade"));
        } catch (IllegalArgumentException e) {
            throw new IOException(file.path() + ": " + e.getMessage(), e);
        }
    }

    public void store(DurableFile file) throws IOException {
        file.replace((channel + "\n" + (mayDowngrade ? "may-downgrade\n" : "")).getBytes(StandardCharsets.UTF_8));
    }
}
