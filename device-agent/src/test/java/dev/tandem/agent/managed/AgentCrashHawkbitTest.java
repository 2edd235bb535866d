package dev.tandem.agent.managed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.agent.HawkbitManagement;
import dev.tandem.agent.HawkbitServer;
import dev.tandem.agent.TestDevice;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.slot.bootcheck.BootCheckResult;
import dev.tandem.slot.state.SlotState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent is killed with SIGKILL at every persisted state and at the moments around sending the final result,
 * restarted each time (a new JVM, as systemd would), and the device is rebooted when the agent asks: hawkBit must
 * end up with exactly one final result for the action (Mender's {@code Killed_in_*} rows, against the server).
 */
@Tag("hawkbit")
@ExtendWith(HawkbitExtension.class)
class AgentCrashHawkbitTest {

    static HawkbitServer server;
    static HawkbitManagement mgmt;

    @BeforeAll
    static void tenant(HawkbitServer s) throws Exception {
        server = s;
        mgmt = new HawkbitManagement(s.base());
        mgmt.configureTenant("gw-" + UUID.randomUUID());
    }

    @Test
    void killedAtEveryStateOfASuccessfulUpdateTheServerSeesOneSuccess(@TempDir Path dir) throws Exception {
        Outcome o = run(dir, false, List.of("state:INSTALL", "line:% of", "state:REBOOT", "state:VERIFY_BOOT",
                "state:REPORT", "line:reported success"));
        assertThat(o.types()).as(o.history()).containsOnlyOnce("finished").doesNotContain("error");
        assertThat(o.device().slot("rootfs.1").state()).isEqualTo(SlotState.GOOD);
        assertThat(o.lastLog()).as("the resend after the last kill").contains("already closed on the server");
    }

    @Test
    void killedAtEveryStateOfAFallbackTheServerSeesOneFailure(@TempDir Path dir) throws Exception {
        Outcome o = run(dir, true, List.of("state:REBOOT", "state:VERIFY_BOOT", "state:REPORT",
                "line:reported failure"));
        assertThat(o.types()).as(o.history()).containsOnlyOnce("error").doesNotContain("finished");
        assertThat(o.history()).contains("trial boot failed");
        assertThat(o.device().slot("rootfs.1").state()).isEqualTo(SlotState.BAD);
        assertThat(o.lastLog()).contains("already closed on the server");
    }

    record Outcome(TestDevice device, List<String> types, String history, String lastLog) {
    }

    private Outcome run(Path dir, boolean unhealthy, List<String> crashPoints) throws Exception {
        String id = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        String token = "tt-" + UUID.randomUUID();
        mgmt.createTarget(id, token);
        ManagedDevice d = ManagedDevice.create(dir, server, id, "target-token", token,
                "[http]\nmax-rate = 1048576\n");
        if (unhealthy) {
            Files.writeString(d.device.unhealthy, "unhealthy\n");
        }
        Path bundle = d.device.bundle("2.0.0", 2 << 20);
        long ds = mgmt.distributionSet("rootfs", "2.0.0-" + id, List.of(bundle));
        long action = mgmt.assign(ds, id, "forced", null);

        List<String> points = new ArrayList<>(crashPoints);
        Path crashed = dir.resolve("crashed");
        Path reboot = dir.resolve("reboot-requested");
        Path journal = d.device.dataDir.resolve("agent/action.json");
        String lastLog = "";
        for (int run = 1; ; run++) {
            assertThat(run).as("agent runs; crash points left: " + points).isLessThan(20);
            String point = points.isEmpty() ? "" : points.get(0);
            Path log = dir.resolve("agent-" + run + ".log");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), AgentProcess.class.getName(),
                    d.device.configFile.toString(), point)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            boolean done = false;
            while (p.isAlive() && System.nanoTime() < deadline) {
                if (point.isEmpty() && !Files.exists(journal)
                        && mgmt.action(id, action).get("status").asText().equals("finished")) {
                    done = true;
                    break;
                }
                Thread.sleep(200);
            }
            if (p.isAlive()) {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
                lastLog = Files.readString(log);
                assertThat(done).as("run " + run + " (crash point '" + point + "') neither ended nor finished:\n"
                        + lastLog).isTrue();
                break;
            }
            boolean crashedHere = Files.exists(crashed);
            if (crashedHere) {
                assertThat(Files.readString(crashed)).isEqualTo(point);
                Files.delete(crashed);
                points.remove(0);
            }
            boolean rebooted = Files.exists(reboot);
            if (rebooted) {
                Files.delete(reboot);
                BootCheckResult r;
                do {
                    d.device.reboot();
                    r = d.device.bootCheck();
                } while (r.rebooting());
            }
            if (!crashedHere && !rebooted) {
                throw new AssertionError("run " + run + " (crash point '" + point + "') ended by itself:\n"
                        + Files.readString(log));
            }
        }
        List<JsonNode> st = mgmt.statuses(id, action);
        List<String> types = st.stream().map(s -> s.get("type").asText()).toList();
        return new Outcome(d.device, types, ManagedAgentHawkbitTest.messages(st), lastLog);
    }
}
