package dev.tandem.slot.config;

import java.util.List;

/**
 * The {@code [download]} table: when the device agent may download a bundle (CONFIG.md). The slot manager only
 * parses and checks it; the agent's {@code DownloadPolicy} applies it.
 *
 * @param allowMetered download on a metered link too (default false)
 * @param meteredCheck the command (argv) that says whether the link is metered when NetworkManager does not run:
 *                     exit 0 metered, 1 not metered; empty: none
 * @param windows      the daily windows in which downloads may run; empty: any time
 */
public record DownloadConfig(boolean allowMetered, List<String> meteredCheck, List<DownloadWindow> windows) {

    public DownloadConfig {
        meteredCheck = List.copyOf(meteredCheck);
        windows = List.copyOf(windows);
    }

    /** Any time, unmetered links only, no check command. */
    public static DownloadConfig defaults() {
        return new DownloadConfig(false, List.of(), List.of());
    }
}
