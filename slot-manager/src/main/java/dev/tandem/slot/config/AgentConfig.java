package dev.tandem.slot.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code [agent]} table, read by the device agent (ARCHITECTURE.md §7). The slot manager only parses and checks it.
 *
 * @param server         hawkBit (DDI) server base URL; null: no managed mode
 * @param tenant         DDI tenant (default {@code DEFAULT})
 * @param controllerId   DDI controller id; null: the agent derives one
 * @param auth           {@code none}, {@code target-token} or {@code gateway-token} (default none)
 * @param tokenFile      file holding the token; required unless auth is none
 * @param caFile         extra trust anchors for the server; null: the JDK's
 * @param standaloneDirs directories watched for bundles in standalone mode
 * @param autoReboot     reboot after a successful install (default true; false for kiosks)
 * @param maxRequests    HTTP request budget of one install (default 1000; hawkBit logs every GET)
 * @param allowForeignArtifactHosts download a bundle whose link is not on {@code server} (without the token);
 *                       default false: such a deployment fails
 * @param feed           feed mode: the signed feed of the configured channel ({@code feed.json}); null: none
 * @param channel        the channel {@code feed} belongs to (default: the directory that holds feed.json)
 * @param feedInterval   feed mode: how often the feed is read (default 1 h, plus up to 10 % jitter)
 */
public record AgentConfig(
        URI server,
        String tenant,
        String controllerId,
        String auth,
        Path tokenFile,
        Path caFile,
        List<Path> standaloneDirs,
        boolean autoReboot,
        int maxRequests,
        boolean allowForeignArtifactHosts,
        URI feed,
        String channel,
        Duration feedInterval) {

    public AgentConfig {
        standaloneDirs = List.copyOf(standaloneDirs);
    }

    /** Without feed mode. */
    public AgentConfig(URI server, String tenant, String controllerId, String auth, Path tokenFile, Path caFile,
                       List<Path> standaloneDirs, boolean autoReboot, int maxRequests,
                       boolean allowForeignArtifactHosts) {
        this(server, tenant, controllerId, auth, tokenFile, caFile, standaloneDirs, autoReboot, maxRequests,
                allowForeignArtifactHosts, null, null, null);
    }
}
