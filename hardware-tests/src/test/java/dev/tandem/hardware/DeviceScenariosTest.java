package dev.tandem.hardware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.agent.DeviceHawkbit;
import dev.tandem.cli.CapturedCli;
import dev.tandem.hardware.rig.DeviceDisk;
import dev.tandem.hardware.rig.DeviceRoot;
import dev.tandem.hardware.rig.DeviceSlotImage;
import dev.tandem.hardware.rig.DeviceVm;
import dev.tandem.hardware.rig.HostCommand;
import dev.tandem.hardware.rig.RigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 18: tandem runs <em>on</em> the device. An x86_64 Debian guest (systemd, the project's .deb, GRUB BIOS
 * with contrib/grub.cfg, GPT with rootfs-a, rootfs-b and data) boots under QEMU; tandem-boot-check.service and
 * tandem-agent.service run inside it, the agent talks to the real hawkBit server on the host through QEMU's
 * user-mode network, writes the inactive partition from the running system and reboots the guest itself. Each
 * boot's console (which carries the guest's journal) is kept under {@code target/hardware-tests/device/}.
 */
@Tag("qemu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceScenariosTest {

    static final String COMPATIBLE = "tandem-qemu-device";
    static final String V1 = "1.0.0";
    static final String V2 = "2.0.0";
    /** A Debian 12 boot to boot-check under TCG on a loaded 2-core host takes minutes; a bound, not a target. */
    static final Duration BOOT_TIMEOUT = Duration.ofMinutes(12);
    static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(30);
    static final Pattern PROBE_BOOT = Pattern.compile("PROBE-BOOT slot=(\\S*) version=(\\S*) boot_check_result=(\\S*)"
            + " boot_check_start_us=(\\d*) boot_check_exit_us=(\\d*) boot_check_peak_bytes=(\\S*) uptime_s=(\\S*)"
            + " mem_available_kib=(\\S*)");
    static final Pattern PROBE_AGENT = Pattern.compile("PROBE unit=tandem-agent.service uptime_s=(\\S+)"
            + " cgroup_peak_bytes=(\\S+) cgroup_current_bytes=(\\S+) rss_kib=(\\S+) hwm_kib=(\\S+)");

    private Path dir;
    private DeviceHawkbit hawkbit;
    private Path pki;
    private DeviceDisk layout;
    private final Map<String, Path> images = new LinkedHashMap<>();
    private final Map<String, Long> distributionSets = new LinkedHashMap<>();

    @BeforeAll
    void setUp() throws IOException {
        DeviceRoot.assumeAvailable();
        assumeTrue(DeviceHawkbit.available(), DeviceHawkbit.MISSING);
        dir = ScenarioLog.root().resolve("device");
        Files.createDirectories(dir);
        hawkbit = DeviceHawkbit.start(Files.createDirectories(dir.resolve("hawkbit")));
        // The device polls every 5 s: each poll costs the TCG guest CPU that the install needs.
        hawkbit.configure("00:00:05");
        pki = dir.resolve("pki");
        CapturedCli.Result ca = CapturedCli.run("pki", "dev-ca", "--out", pki.toString());
        if (ca.exitCode() != 0) {
            throw new RigException("tandem pki dev-ca: " + ca.err().strip());
        }
        // The root plus the .deb's runtime, with room to spare; every byte is streamed by an update.
        long need = DeviceSlotImage.rootBytes() + (160L << 20);
        layout = new DeviceDisk(((need * 5 / 4) >> 20 << 20) + (1L << 20));
    }

    @AfterAll
    void tearDown() {
        if (hawkbit != null) {
            hawkbit.close();
        }
    }

    /** /etc/tandem/system.toml of every version: grub on the data partition, the host's hawkBit via 10.0.2.2. */
    private String systemToml() {
        return """
                compatible = "%s"
                bootloader = "grub"
                data-dir = "/data/tandem"
                keyring = "/etc/tandem/keyring.pem"
                reboot-command = "systemctl reboot"

                [bootloader-options]
                grubenv = "/data/grub/grubenv"

                [health]
                commands = ["/usr/local/sbin/tandem-health"]
                timeout = "120s"

                [agent]
                server = "http://10.0.2.2:%d"
                tenant = "DEFAULT"
                auth = "target-token"
                token-file = "/data/tandem/agent/token"
                auto-reboot = true

                [slots."rootfs.0"]
                partlabel = "rootfs-a"
                bootname = "A"

                [slots."rootfs.1"]
                partlabel = "rootfs-b"
                bootname = "B"
                """.formatted(COMPATIBLE, hawkbit.port());
    }

    /** The slot image of {@code version}, built once per run. */
    private synchronized Path image(String version, String healthFailure) throws IOException {
        String key = version + (healthFailure == null ? "" : "-unhealthy");
        Path existing = images.get(key);
        if (existing != null) {
            return existing;
        }
        Path out = dir.resolve("images/rootfs-" + key + ".ext4");
        Files.createDirectories(out.getParent());
        long t0 = System.nanoTime();
        DeviceSlotImage.build(new DeviceSlotImage.Spec(version, systemToml(), pki.resolve("keyring.pem"),
                healthFailure), layout.slotSize(), dir.resolve("images/work"), out);
        Files.writeString(dir.resolve("images.log"), "image " + key + ": " + Files.size(out) + " bytes in "
                + String.format("%.1f s%n", (System.nanoTime() - t0) / 1e9), StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        images.put(key, out);
        return out;
    }

    /** A hawkBit distribution set holding the signed bundle of {@code version}, made once per run. */
    private synchronized long distributionSet(String version, String healthFailure) throws IOException {
        String key = version + (healthFailure == null ? "" : "-unhealthy");
        Long existing = distributionSets.get(key);
        if (existing != null) {
            return existing;
        }
        Path image = image(version, healthFailure);
        Path bundle = dir.resolve("bundles/rootfs-" + key + ".tandem");
        Files.createDirectories(bundle.getParent());
        String[] args = {"bundle", "create", "--image", "rootfs=" + image, "--compatible", COMPATIBLE,
                "--version", version, "--cert", pki.resolve("signer.pem").toString(),
                "--key", pki.resolve("signer.key").toString(), "-o", bundle.toString()};
        CapturedCli.Result r = CapturedCli.run(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("tandem bundle create exited " + r.exitCode() + ": " + r.err().strip());
        }
        long id = hawkbit.distributionSet("device-" + key, version, List.of(bundle));
        distributionSets.put(key, id);
        return id;
    }

    /** A new device: the factory disk with {@code V1} in A, its own hawkBit target and token. */
    private Path factoryDisk(Path scenarioDir, String controllerId) throws IOException {
        String token = UUID.randomUUID().toString().replace("-", "");
        hawkbit.createTarget(controllerId, token);
        Path data = scenarioDir.resolve("data-files");
        HostCommand.of("rm", "-rf", data.toString()).ok();
        Path agentDir = Files.createDirectories(data.resolve("tandem/agent"));
        Files.writeString(agentDir.resolve("controller-id"), controllerId + "\n");
        Files.writeString(agentDir.resolve("token"), token);
        Files.setPosixFilePermissions(agentDir.resolve("token"), PosixFilePermissions.fromString("rw-------"));
        Path disk = scenarioDir.resolve("disk.img");
        layout.build(disk, image(V1, null), data, scenarioDir.resolve("work"));
        return disk;
    }

    /**
     * managed-update: v2 assigned in hawkBit; the agent in A streams it into rootfs-b, reboots; B boots,
     * boot-check marks it good, the agent reports success and hawkBit shows the action finished.
     */
    @ParameterizedTest(name = "managed-update with {0} MiB of RAM")
    @ValueSource(ints = {256, 128})
    void managedUpdate(int ramMib) throws Exception {
        String scenario = "managed-update-" + ramMib;
        Path sdir = dir.resolve(scenario);
        HostCommand.of("rm", "-rf", sdir.toString()).ok();
        Files.createDirectories(sdir);
        ScenarioLog log = new ScenarioLog(sdir);
        long t0 = System.nanoTime();
        String controllerId = "device-" + scenario;
        long ds = distributionSet(V2, null);
        Path disk = factoryDisk(sdir, controllerId);
        log.step("factory disk " + disk + ": " + V1 + " in rootfs-a, slot size " + (layout.slotSize() >> 20)
                + " MiB, " + ramMib + " MiB of RAM, hawkBit target " + controllerId);
        List<String> metrics = new ArrayList<>();
        double qemuSeconds = 0;

        // Boot 1: factory image in A; boot-check runs, the agent starts polling.
        Path console1 = sdir.resolve("boot1.log");
        long assignedAt;
        long actionId;
        try (DeviceVm vm = DeviceVm.start(disk, ramMib, console1)) {
            Matcher boot = vm.await(PROBE_BOOT, 0, BOOT_TIMEOUT).orElseThrow(() -> new AssertionError(
                    "boot 1: boot-check did not finish in " + BOOT_TIMEOUT.toMinutes() + " min; console "
                            + console1));
            metrics.add(bootMetrics(1, vm.seconds(), boot));
            log.step("boot 1: " + metrics.get(metrics.size() - 1));
            assertThat(boot.group(1)).as("boot 1 slot").isEqualTo("A");
            assertThat(boot.group(2)).as("boot 1 version").isEqualTo(V1);
            awaitPoll(vm, controllerId);
            log.step(String.format("boot 1: the agent polled hawkBit %.1f s after power-on", vm.seconds()));
            actionId = hawkbit.assign(ds, controllerId);
            assignedAt = System.nanoTime();
            log.step("assigned " + V2 + " (action " + actionId + ")");
            assertThat(vm.awaitExit(INSTALL_TIMEOUT)).as("the agent rebooted the guest within "
                    + INSTALL_TIMEOUT.toMinutes() + " min (console " + console1 + ")").isTrue();
            double installSeconds = (System.nanoTime() - assignedAt) / 1e9;
            qemuSeconds += vm.seconds();
            String c = vm.consoleText();
            agentMemory(c).ifPresent(m -> metrics.add("boot 1 agent: " + m));
            metrics.add(String.format("assignment to reboot: %.1f s (%.2f MiB/s for the %d MiB slot image)",
                    installSeconds, (Files.size(image(V2, null)) / 1048576.0) / installSeconds,
                    Files.size(image(V2, null)) >> 20));
            log.step(metrics.get(metrics.size() - 1));
            log.output("boot 1 tandem lines", tandemLines(c));
        }

        // Boot 2: the new slot on trial; boot-check marks it good, the agent reports success.
        Path console2 = sdir.resolve("boot2.log");
        try (DeviceVm vm = DeviceVm.start(disk, ramMib, console2)) {
            Matcher boot = vm.await(PROBE_BOOT, 0, BOOT_TIMEOUT).orElseThrow(() -> new AssertionError(
                    "boot 2: boot-check did not finish; console " + console2));
            metrics.add(bootMetrics(2, vm.seconds(), boot));
            log.step("boot 2: " + metrics.get(metrics.size() - 1));
            assertThat(boot.group(1)).as("boot 2 slot").isEqualTo("B");
            assertThat(boot.group(2)).as("boot 2 version").isEqualTo(V2);
            assertThat(boot.group(3)).as("boot-check result").isEqualTo("success");
            JsonNode action = awaitActionClosed(vm, controllerId, actionId);
            double toSuccess = (System.nanoTime() - assignedAt) / 1e9;
            metrics.add(String.format("assignment to success in hawkBit: %.1f s", toSuccess));
            log.step(metrics.get(metrics.size() - 1));
            log.output("hawkBit action", action.toPrettyString());
            List<JsonNode> statuses = hawkbit.statuses(controllerId, actionId);
            StringBuilder st = new StringBuilder();
            for (JsonNode s : statuses) {
                st.append(s.path("type").asText()).append(' ').append(s.path("messages")).append('\n');
            }
            log.output("hawkBit action status history", st.toString());
            JsonNode attrs = hawkbit.attributes(controllerId);
            log.output("hawkBit target attributes", attrs.toPrettyString());
            assertThat(action.path("status").asText()).as("action status").isEqualTo("finished");
            assertThat(statuses.get(statuses.size() - 1).path("type").asText()).as("last status")
                    .isEqualTo("finished");
            assertThat(statuses).as("progress reported").anyMatch(s -> s.path("type").asText().equals("running"));
            assertThat(attrs.size()).as("device attributes in hawkBit").isGreaterThan(0);
            // one agent memory sample on the updated slot
            vm.await(PROBE_AGENT, 0, Duration.ofSeconds(90));
            qemuSeconds += vm.seconds();
            String c = vm.consoleText();
            agentMemory(c).ifPresent(m -> metrics.add("boot 2 agent: " + m));
            log.output("boot 2 tandem lines", tandemLines(c));
        }
        log.output("measured", String.join("\n", metrics));
        Files.writeString(sdir.resolve("metrics.txt"), String.join("\n", metrics) + "\n", StandardCharsets.UTF_8);
        log.summary("device-grub-bios", scenario, "passed", 2, Duration.ofMillis((long) (qemuSeconds * 1000)),
                Duration.ofNanos(System.nanoTime() - t0));
    }

    /** Waits until hawkBit saw the target poll (the agent is up and reached 10.0.2.2). */
    private void awaitPoll(DeviceVm vm, String controllerId) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && vm.running()) {
            JsonNode t = hawkbit.target(controllerId);
            if (t.path("pollStatus").has("lastRequestAt")) {
                return;
            }
            Thread.sleep(2000);
        }
        throw new AssertionError("the agent never polled hawkBit; console " + vm.console());
    }

    /** Waits until the action is closed in hawkBit (finished, error or canceled). */
    private JsonNode awaitActionClosed(DeviceVm vm, String controllerId, long actionId)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && vm.running()) {
            JsonNode a = hawkbit.action(controllerId, actionId);
            if (!a.path("status").asText().equals("pending") && !a.path("active").asBoolean(true)) {
                return a;
            }
            Thread.sleep(2000);
        }
        return hawkbit.action(controllerId, actionId);
    }

    private static String bootMetrics(int n, double seconds, Matcher m) {
        String checkMs = m.group(4).isEmpty() || m.group(5).isEmpty() ? "-"
                : String.valueOf((Long.parseLong(m.group(5)) - Long.parseLong(m.group(4))) / 1000);
        String peak = m.group(6).equals("-") ? "-" : String.valueOf(Long.parseLong(m.group(6)) >> 20);
        return String.format("boot %d: slot %s, %s; boot-check done %.1f s after power-on (guest uptime %s s),"
                        + " boot-check %s ms, its cgroup's peak memory %s MiB; MemAvailable %s KiB", n, m.group(1),
                m.group(2), seconds, m.group(7), checkMs, peak, m.group(8));
    }

    /** The agent's last memory sample on the console. */
    private static java.util.Optional<String> agentMemory(String console) {
        Matcher m = PROBE_AGENT.matcher(console);
        String last = null;
        while (m.find()) {
            String peak = m.group(2).equals("-") ? "-" : String.valueOf(Long.parseLong(m.group(2)) >> 20);
            String cur = m.group(3).equals("-") ? "-" : String.valueOf(Long.parseLong(m.group(3)) >> 20);
            last = "at guest uptime " + m.group(1) + " s: RSS " + m.group(4) + " KiB (peak " + m.group(5)
                    + " KiB), cgroup " + cur + " MiB (peak " + peak + " MiB)";
        }
        return java.util.Optional.ofNullable(last);
    }

    /** The console lines from tandem's units (the journal forwarded to the console). */
    private static String tandemLines(String console) {
        StringBuilder b = new StringBuilder();
        for (String line : console.split("\n")) {
            if (line.contains("tandem") || line.contains("PROBE")) {
                b.append(line.strip()).append('\n');
            }
        }
        return b.toString();
    }
}
