package dev.tandem.agent.managed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.agent.HawkbitManagement;
import dev.tandem.agent.HawkbitServer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.slot.state.SlotState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * hawkBit is killed and restarted while the agent downloads: the download fails over to the agent's retry, the
 * polls fail until the server is back, and then the same action resumes from the installer's journal and
 * completes.
 */
@Tag("hawkbit")
@ExtendWith(HawkbitExtension.class)
class ServerRestartHawkbitTest {

    @Test
    void aServerRestartMidDownloadEndsInACompletedInstall(HawkbitServer server, @TempDir Path dir) throws Exception {
        HawkbitManagement mgmt = new HawkbitManagement(server.base());
        mgmt.configureTenant("gw-" + UUID.randomUUID());
        String id = "restart-" + UUID.randomUUID().toString().substring(0, 8);
        String token = "tt-" + UUID.randomUUID();
        mgmt.createTarget(id, token);
        // 2 MiB/s for a 24 MiB bundle: far more than loopback's socket buffers hold, so most of it is still on
        // the server when it is killed. One HTTP retry: the download gives up at once, so what carries the install
        // over the restart is the agent itself (poll until the server answers, then resume from the journal).
        try (ManagedDevice d = ManagedDevice.create(dir, server, id, "target-token", token,
                "[http]\nmax-rate = 2097152\nretries = 1\n")) {
            Path bundle = d.device.bundle("2.0.0", 24 << 20);
            long ds = mgmt.distributionSet("rootfs", "2.0.0-" + id, List.of(bundle));
            long action = mgmt.assign(ds, id, "forced", null);

            d.start();
            d.awaitLine("% of", Duration.ofSeconds(60));
            server.killAndRestart();
            d.awaitRebootRequests(1, Duration.ofSeconds(180));

            assertThat(d.lines).as("the download gave up").anySatisfy(l -> assertThat(l)
                    .contains("install interrupted"));
            assertThat(d.lines).as("the install resumed").anySatisfy(l -> assertThat(l)
                    .contains("installed 2.0.0 into rootfs.1").contains("resumed"));
            assertThat(d.device.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
            assertThat(d.rebootAndCheck()).isEqualTo("B");
            d.start();
            d.await(Duration.ofSeconds(60), () -> mgmt.action(id, action).get("status").asText().equals("finished"),
                    "action finished");
            List<JsonNode> st = mgmt.statuses(id, action);
            assertThat(ManagedAgentHawkbitTest.types(st)).as(ManagedAgentHawkbitTest.messages(st))
                    .containsOnlyOnce("finished").doesNotContain("error");
        }
    }
}
