package dev.tandem.slot.config;

import java.net.URI;
import java.nio.file.Path;
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
        boolean allowForeignArtifactHosts) {

    public AgentConfig {
        standaloneDirs = List.copyOf(standaloneDirs);
    }
}
