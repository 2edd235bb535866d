package dev.tandem.agent.managed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.agent.AgentState;
import dev.tandem.agent.HawkbitManagement;
import dev.tandem.agent.HawkbitServer;
import dev.tandem.agent.TestDevice;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.StatusStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The managed agent against a real hawkBit 0.3.0M7: everything the server shows about an action, as set up
 * through the Management API and driven by the agent alone.
 */
@Tag("hawkbit")
@ExtendWith(HawkbitExtension.class)
class ManagedAgentHawkbitTest {

    static final String GATEWAY_TOKEN = "gw-" + UUID.randomUUID();
    static final Duration WAIT = Duration.ofSeconds(90);

    static HawkbitServer server;
    static HawkbitManagement mgmt;

    @BeforeAll
    static void tenant(HawkbitServer s) throws Exception {
        server = s;
        mgmt = new HawkbitManagement(s.base());
        mgmt.configureTenant(GATEWAY_TOKEN);
    }

    private static ManagedDevice device(Path dir, String name, String extraToml) throws Exception {
        String id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        String token = "tt-" + UUID.randomUUID();
        mgmt.createTarget(id, token);
        return ManagedDevice.create(dir, server, id, "target-token", token, extraToml);
    }

    static List<String> types(List<JsonNode> statuses) {
        return statuses.stream().map(s -> s.get("type").asText()).toList();
    }

    static String messages(List<JsonNode> statuses) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode s : statuses) {
            sb.append(s.get("type").asText()).append(": ").append(s.path("messages")).append('\n');
        }
        return sb.toString();
    }

    static void awaitActionFinished(ManagedDevice d, long action) throws Exception {
        d.await(WAIT, () -> mgmt.action(d.controllerId, action).get("status").asText().equals("finished"),
                "action " + action + " finished on the server");
    }

    @Test
    void installsRebootsAndReportsSuccessAfterBootCheck(@TempDir Path dir) throws Exception {
        // 1 MiB/s: the install takes a few seconds, long enough for progress feedback every half second.
        try (ManagedDevice d = device(dir, "success", "[http]\nmax-rate = 1048576\n")) {
            Path bundle = d.device.bundle("2.0.0", 3 << 20);
            long ds = mgmt.distributionSet("rootfs", "2.0.0-" + d.controllerId, List.of(bundle));
            long action = mgmt.assign(ds, d.controllerId, "forced", null);

            d.start();
            d.awaitRebootRequests(1, WAIT);
            assertThat(d.device.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
            assertThat(mgmt.action(d.controllerId, action).get("status").asText()).isEqualTo("pending");

            // The agent may start before boot-check has judged the new slot: it waits for the verdict.
            d.stop();
            assertThat(d.device.reboot()).isEqualTo("B");
            d.start();
            d.awaitLine("boot-check has not decided yet", WAIT);
            assertThat(mgmt.action(d.controllerId, action).get("status").asText()).isEqualTo("pending");
            d.device.bootCheck();
            awaitActionFinished(d, action);

            List<JsonNode> st = mgmt.statuses(d.controllerId, action);
            assertThat(types(st)).as(messages(st)).contains("running", "retrieved", "download")
                    .endsWith("finished").containsOnlyOnce("finished").doesNotContain("error");
            assertThat(messages(st)).as("progress feedback").contains("% of").contains("try-once set on rootfs.1")
                    .contains("booted rootfs.1 (version 2.0.0); boot-check marked it good");
            assertThat(mgmt.target(d.controllerId).get("updateStatus").asText()).isEqualTo("in_sync");
            assertThat(mgmt.installedDs(d.controllerId)).isEqualTo(ds);
            assertThat(d.device.slot("rootfs.1").state()).isEqualTo(SlotState.GOOD);
            d.await(WAIT, () -> mgmt.attributes(d.controllerId).path("booted").asText().equals("rootfs.1"),
                    "attributes after the update");
            JsonNode attrs = mgmt.attributes(d.controllerId);
            assertThat(attrs.get("compatible").asText()).isEqualTo(TestDevice.COMPATIBLE);
            assertThat(attrs.get("slot.rootfs.1.version").asText()).isEqualTo("2.0.0");
            assertThat(attrs.get("slot.rootfs.1.state").asText()).isEqualTo("good");
            assertThat(attrs.has("tandem.version")).isTrue();
            assertThat(Files.exists(d.device.dataDir.resolve("agent/action.json"))).isFalse();
        }
    }

    @Test
    void aDeploymentWaitsUntilBootCheckHasMarkedTheBootedSlotGood(@TempDir Path dir) throws Exception {
        try (ManagedDevice d = device(dir, "notgood", "")) {
            // The booted slot on trial, as after a reboot into it before boot-check ran.
            StatusStore store = StatusStore.in(d.device.dataDir);
            DeviceStatus st = store.read().orElseThrow();
            store.save(st.withSlot("rootfs.0", st.slot("rootfs.0").withState(SlotState.PENDING, Instant.now(),
                    d.device.slots().bootId())));
            Path bundle = d.device.bundle("2.0.0", 1 << 20);
            long ds = mgmt.distributionSet("rootfs", "2.0.0-" + d.controllerId, List.of(bundle));
            mgmt.assign(ds, d.controllerId, "forced", null);

            d.start();
            d.awaitLine("deployments start only on a good slot", WAIT);
            assertThat(d.device.slot("rootfs.1").state()).isEqualTo(SlotState.EMPTY);
            d.device.bootCheck();
            d.awaitRebootRequests(1, WAIT);
            assertThat(d.device.slot("rootfs.0").state()).isEqualTo(SlotState.GOOD);
            assertThat(d.device.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
        }
    }

    @Test
    void reportsFailureWithTheReasonForABundleSignedByAnUntrustedKey(@TempDir Path dir) throws Exception {
        try (ManagedDevice d = device(dir, "untrusted", "")) {
            Path bundle = d.device.bundle("2.0.0", 1 << 20, TestDevice.COMPATIBLE, d.device.foreignPki(), 7);
            long ds = mgmt.distributionSet("rootfs", "2.0.0-" + d.controllerId, List.of(bundle));
            long action = mgmt.assign(ds, d.controllerId, "forced", null);

            d.start();
            awaitActionFinished(d, action);

            List<JsonNode> st = mgmt.statuses(d.controllerId, action);
            assertThat(types(st)).as(messages(st)).endsWith("error").containsOnlyOnce("error")
                    .doesNotContain("finished");
            assertThat(st.get(st.size() - 1).get("messages").toString()).contains("install of " + bundle.getFileName()
                    + " failed");
            assertThat(mgmt.target(d.controllerId).get("updateStatus").asText()).isEqualTo("error");
            assertThat(d.rebootRequests.get()).isZero();
            assertThat(d.device.slot("rootfs.1").state()).isNotIn(SlotState.PENDING, SlotState.GOOD);
        }
    }

    @Test
    void reportsFailureWhenTheDeploymentHasNoBundle(@TempDir Path dir) throws Exception {
        try (ManagedDevice d = device(dir, "nobundle", "")) {
            Path notABundle = Files.writeString(dir.resolve("rootfs.img"), "just an image");
            long ds = mgmt.distributionSet("rootfs", "3.0.0-" + d.controllerId, List.of(notABundle));
            long action = mgmt.assign(ds, d.controllerId, "forced", null);

            d.start();
            awaitActionFinished(d, action);

            List<JsonNode> st = mgmt.statuses(d.controllerId, action);
            assertThat(types(st)).as(messages(st)).endsWith("error");
            assertThat(messages(st)).contains("no tandem bundle (*.tandem)").contains("rootfs.img");
        }
    }

    @Test
    void cancelMidDownloadStopsTheInstallMarksTheSlotBadAndConfirms(@TempDir Path dir) throws Exception {
        try (ManagedDevice d = device(dir, "cancel", "[http]\nmax-rate = 262144\n")) {
            Path bundle = d.device.bundle("2.0.0", 4 << 20);
            long ds = mgmt.distributionSet("rootfs", "2.0.0-" + d.controllerId, List.of(bundle));
            long action = mgmt.assign(ds, d.controllerId, "forced", null);

            d.start();
            d.awaitLine("% of", WAIT);
            mgmt.cancel(d.controllerId, action);
            awaitActionFinished(d, action);

            List<JsonNode> st = mgmt.statuses(d.controllerId, action);
            assertThat(types(st)).as(messages(st)).contains("canceling").endsWith("canceled")
                    .doesNotContain("finished", "error");
            assertThat(d.device.slot("rootfs.1").state()).isEqualTo(SlotState.BAD);
            assertThat(d.device.slot("rootfs.1").lastFailure()).contains("canceled by the server");
            assertThat(d.rebootRequests.get()).isZero();
            d.await(WAIT, () -> !Files.exists(d.device.dataDir.resolve("agent/action.json")), "journal dropped");
        }
    }

    @Test
    void aFailedTrialBootIsReportedAsFailureWithBootChecksReason(@TempDir Path dir) throws Exception {
        try (ManagedDevice d = device(dir, "fallback", "")) {
            Path bundle = d.device.bundle("2.0.0", 1 << 20);
            long ds = mgmt.distributionSet("rootfs", "2.0.0-" + d.controllerId, List.of(bundle));
            long action = mgmt.assign(ds, d.controllerId, "forced", null);
            Files.writeString(d.device.unhealthy, "the new slot's service does not start\n");

            d.start();
            d.awaitRebootRequests(1, WAIT);
            assertThat(d.rebootAndCheck()).as("fell back").isEqualTo("A");
            d.start();
            awaitActionFinished(d, action);

            List<JsonNode> st = mgmt.statuses(d.controllerId, action);
            assertThat(types(st)).as(messages(st)).endsWith("error").containsOnlyOnce("error");
            assertThat(st.get(st.size() - 1).get("messages").toString()).contains("fell back to rootfs.0")
                    .contains("trial boot failed");
            assertThat(mgmt.installedDs(d.controllerId)).isNotEqualTo(ds);
            assertThat(d.device.slots().current().hasFailed(d.device.slot("rootfs.1").bundleId())).isTrue();
        }
    }

    @Test
    void downloadOnlyInstallsWithoutActivatingAndTheServerClosesTheAction(@TempDir Path dir) throws Exception {
        try (ManagedDevice d = device(dir, "dlonly", "")) {
            Path bundle = d.device.bundle("2.0.0", 1 << 20);
            long ds = mgmt.distributionSet("rootfs", "2.0.0-" + d.controllerId, List.of(bundle));
            long action = mgmt.assign(ds, d.controllerId, "downloadonly", null);

            d.start();
            awaitActionFinished(d, action);
            d.awaitLine("closed by the server (download only)", WAIT);

            assertThat(types(mgmt.statuses(d.controllerId, action))).contains("downloaded").doesNotContain("error");
            assertThat(d.device.slot("rootfs.1").state()).isEqualTo(SlotState.INSTALLED);
            assertThat(d.rebootRequests.get()).isZero();
        }
    }

    @Test
    void aClosedMaintenanceWindowDefersActivationUntilItOpens(@TempDir Path dir) throws Exception {
        try (ManagedDevice d = device(dir, "window", "")) {
            Path bundle = d.device.bundle("2.0.0", 1 << 20);
            long ds = mgmt.distributionSet("rootfs", "2.0.0-" + d.controllerId, List.of(bundle));
            // A window opening 25 s from now, for 30 s (Quartz cron, in UTC).
            ZonedDateTime opens = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(25);
            ObjectNode window = new ObjectMapper().createObjectNode()
                    .put("schedule", opens.getSecond() + " " + opens.getMinute() + " " + opens.getHour() + " * * ?")
                    .put("duration", "00:00:30").put("timezone", "+00:00");
            long action = mgmt.assign(ds, d.controllerId, "forced", window);

            d.start();
            d.awaitLine("waiting for the maintenance window", WAIT);
            assertThat(d.device.slot("rootfs.1").state()).isEqualTo(SlotState.INSTALLED);
            assertThat(d.rebootRequests.get()).isZero();
            assertThat(types(mgmt.statuses(d.controllerId, action))).contains("downloaded");

            d.awaitRebootRequests(1, WAIT);
            assertThat(ZonedDateTime.now(ZoneOffset.UTC)).isAfterOrEqualTo(opens.minusSeconds(1));
            assertThat(d.device.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
            assertThat(d.rebootAndCheck()).isEqualTo("B");
            d.start();
            awaitActionFinished(d, action);
            assertThat(types(mgmt.statuses(d.controllerId, action))).endsWith("finished");
        }
    }

    @Test
    void aGatewayTokenRegistersAnUnknownDeviceWhichThenSendsItsAttributes(@TempDir Path dir) throws Exception {
        String id = "gateway-" + UUID.randomUUID().toString().substring(0, 8);
        try (ManagedDevice d = ManagedDevice.create(dir, server, id, "gateway-token", GATEWAY_TOKEN, "")) {
            d.start();
            d.await(WAIT, () -> mgmt.attributes(id).path("booted").asText().equals("rootfs.0"),
                    "the auto-registered target's attributes");
            assertThat(mgmt.attributes(id).get("slot.rootfs.0.state").asText()).isEqualTo("good");
            assertThat(d.state()).isEqualTo(AgentState.IDLE);
        }
    }
}
