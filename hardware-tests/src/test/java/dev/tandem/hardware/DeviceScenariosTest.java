package dev.tandem.hardware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.agent.DeviceHawkbit;
import dev.tandem.hardware.rig.DeviceDisk;
import dev.tandem.hardware.rig.DeviceRoot;
import dev.tandem.hardware.rig.DeviceSlotImage;
import dev.tandem.hardware.rig.DeviceVm;
import dev.tandem.hardware.rig.HostCommand;
import dev.tandem.hardware.rig.Prerequisites;
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
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 18: tandem runs <em>on</em> the device. An x86_64 Debian guest (systemd, the project's .deb, GRUB BIOS
 * with contrib/grub.cfg, GPT with rootfs-a, rootfs-b and data) boots under QEMU; tandem-boot-check.service and
 * tandem-agent.service run inside it, the agent talks to the real hawkBit server on the host through QEMU's
 * user-mode network, writes the inactive partition from the running system and reboots the guest itself. Each
 * boot's console (which carries the guest's journal) is kept under {@code target/hardware-tests/device/}.
 */
@Tag("qemu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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
        // a rerun without mvn clean: hawkBit's database of the last run holds the same distribution sets
        HostCommand.of("rm", "-rf", dir.resolve("hawkbit").toString()).ok();
        hawkbit = DeviceHawkbit.start(Files.createDirectories(dir.resolve("hawkbit")));
        // The device polls every 5 s: each poll costs the TCG guest CPU that the install needs.
        hawkbit.configure("00:00:05");
        pki = dir.resolve("pki");
        HostCommand.of("rm", "-rf", pki.toString()).ok(); // a rerun without mvn clean: a new PKI for this run
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

    /**
     * /etc/tandem/system.toml of every version: grub on the data partition, the host's hawkBit via 10.0.2.2; a
     * standalone device has no server and installs from the media it mounts itself.
     */
    private String systemToml(boolean standalone) {
        String agent = standalone ? """
                [agent]
                auto-reboot = true
                """ : """
                [agent]
                server = "http://10.0.2.2:%d"
                tenant = "DEFAULT"
                auth = "target-token"
                token-file = "/data/tandem/agent/token"
                auto-reboot = true
                """.formatted(hawkbit.port());
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

                %s
                [slots."rootfs.0"]
                partlabel = "rootfs-a"
                bootname = "A"

                [slots."rootfs.1"]
                partlabel = "rootfs-b"
                bootname = "B"
                """.formatted(COMPATIBLE, agent);
    }

    /** The slot image of {@code version}, built once per run. */
    private synchronized Path image(String version, String healthFailure) throws IOException {
        return image(version, healthFailure, false, Kernel.DEBIAN);
    }

    private synchronized Path image(String version, String healthFailure, boolean standalone, Kernel kernel)
            throws IOException {
        String key = version + (healthFailure == null ? "" : "-unhealthy") + (standalone ? "-standalone" : "")
                + kernel.suffix;
        Path existing = images.get(key);
        if (existing != null) {
            return existing;
        }
        Path out = dir.resolve("images/rootfs-" + key + ".ext4");
        Files.createDirectories(out.getParent());
        long t0 = System.nanoTime();
        DeviceSlotImage.build(new DeviceSlotImage.Spec(version, systemToml(standalone), pki.resolve("keyring.pem"),
                healthFailure, kernel.path()), layout.slotSize(), dir.resolve("images/work"), out);
        Files.writeString(dir.resolve("images.log"), "image " + key + ": " + Files.size(out) + " bytes in "
                + String.format("%.1f s%n", (System.nanoTime() - t0) / 1e9), StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        images.put(key, out);
        return out;
    }

    /** A hawkBit distribution set holding the signed bundle of {@code version}, made once per run. */
    private synchronized long distributionSet(String version, String healthFailure) throws IOException {
        return distributionSet(version, healthFailure, Kernel.DEBIAN);
    }

    private synchronized long distributionSet(String version, String healthFailure, Kernel kernel)
            throws IOException {
        String key = version + (healthFailure == null ? "" : "-unhealthy") + kernel.suffix;
        Long existing = distributionSets.get(key);
        if (existing != null) {
            return existing;
        }
        Path bundle = bundle(image(version, healthFailure, false, kernel), COMPATIBLE, version,
                dir.resolve("bundles/rootfs-" + key + ".tandem"));
        long id = hawkbit.distributionSet("device-" + key, version, List.of(bundle));
        distributionSets.put(key, id);
        return id;
    }

    /** The signed bundle of {@code image} at {@code bundle}. */
    private Path bundle(Path image, String compatible, String version, Path bundle) throws IOException {
        Files.createDirectories(bundle.getParent());
        String[] args = {"bundle", "create", "--image", "rootfs=" + image, "--compatible", compatible,
                "--version", version, "--cert", pki.resolve("signer.pem").toString(),
                "--key", pki.resolve("signer.key").toString(), "-o", bundle.toString()};
        CapturedCli.Result r = CapturedCli.run(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("tandem bundle create exited " + r.exitCode() + ": " + r.err().strip());
        }
        return bundle;
    }

    /** A new device: the factory disk with {@code V1} in A, its own hawkBit target and token. */
    private Path factoryDisk(Path scenarioDir, String controllerId, boolean standalone, Kernel kernel)
            throws IOException {
        String token = UUID.randomUUID().toString().replace("-", "");
        hawkbit.createTarget(controllerId, token);
        Path data = scenarioDir.resolve("data-files");
        HostCommand.of("rm", "-rf", data.toString()).ok();
        Path agentDir = Files.createDirectories(data.resolve("tandem/agent"));
        Files.writeString(agentDir.resolve("controller-id"), controllerId + "\n");
        Files.writeString(agentDir.resolve("token"), token);
        Files.setPosixFilePermissions(agentDir.resolve("token"), PosixFilePermissions.fromString("rw-------"));
        Path disk = scenarioDir.resolve("disk.img");
        layout.build(disk, image(V1, null, standalone, kernel), data, scenarioDir.resolve("work"));
        return disk;
    }

    /**
     * managed-update: v2 assigned in hawkBit; the agent in A streams it into rootfs-b, reboots; B boots,
     * boot-check marks it good, the agent reports success and hawkBit shows the action finished.
     */
    @Order(1)
    @Test
    void managedUpdate() throws Exception {
        managedUpdate(256, Kernel.DEBIAN);
    }

    /**
     * managed-update on a board with 128 MiB of RAM, which boots a kernel built for it (hardware-tests/board-kernel):
     * Debian's generic kernel alone keeps 46 MiB of the 128.
     */
    @Order(2)
    @Test
    @Tag("device-slow")
    void managedUpdateIn128MiB() throws Exception {
        DeviceRoot.assumeBoardKernel();
        managedUpdate(128, Kernel.BOARD);
    }

    private void managedUpdate(int ramMib, Kernel kernel) throws Exception {
        try (Run run = new Run("managed-update-" + ramMib, ramMib, false, kernel)) {
            long ds = distributionSet(V2, null, kernel);
            long actionId;
            try (DeviceVm vm = run.boot("factory image", "A", V1)) {
                run.awaitPoll(vm);
                actionId = run.assign(ds, V2);
                run.awaitReboot(vm, "the agent installed " + V2 + " and rebooted");
            }
            try (DeviceVm vm = run.boot("trial of " + V2, "B", V2)) {
                JsonNode action = run.awaitActionClosed(vm, actionId);
                List<JsonNode> statuses = hawkbit.statuses(run.controllerId, actionId);
                // the agent sends changed attributes at its next poll after the result
                JsonNode attrs = run.awaitAttribute(vm, "booted", "rootfs.1");
                assertThat(action.path("status").asText()).as("action status").isEqualTo("finished");
                assertThat(types(statuses)).as("status history").endsWith("finished").containsOnlyOnce("finished")
                        .doesNotContain("error").contains("running");
                assertThat(attrs.path("slot.rootfs.1.version").asText()).as("attributes").isEqualTo(V2);
                assertThat(attrs.path("slot.rootfs.1.state").asText()).as("attributes").isEqualTo("good");
                run.sampleAgent(vm);
                run.endBoot(vm);
            }
            run.passed();
        }
    }

    /**
     * managed-rollback: v3's health check fails on its trial boot; boot-check marks B bad and reboots, GRUB falls
     * back to A, and the agent reports the action failed with boot-check's reason. v3 is not installed again.
     */
    @Order(3)
    @Test
    void managedRollback() throws Exception {
        try (Run run = new Run("managed-rollback", 256)) {
            long ds = distributionSet("3.0.0", "the new gateway service does not start");
            long actionId;
            try (DeviceVm vm = run.boot("factory image", "A", V1)) {
                run.awaitPoll(vm);
                actionId = run.assign(ds, "3.0.0");
                run.awaitReboot(vm, "the agent installed 3.0.0 and rebooted");
            }
            try (DeviceVm vm = run.boot("trial of 3.0.0", null, null)) {
                run.awaitReboot(vm, "boot-check marked B bad and rebooted");
                // boot-check prints its verdict before it runs the reboot command, which stops its unit at once
                assertThat(vm.consoleText()).as("boot 2 console").contains("tandem: booting slot B")
                        .contains("boot-check: rootfs.1: marked bad (trial boot failed: ")
                        .contains("the new gateway service does not start");
            }
            try (DeviceVm vm = run.boot("fallback", "A", V1)) {
                JsonNode action = run.awaitActionClosed(vm, actionId);
                List<JsonNode> statuses = hawkbit.statuses(run.controllerId, actionId);
                assertThat(action.path("status").asText()).as("action status").isEqualTo("finished");
                assertThat(types(statuses)).as("status history").endsWith("error").containsOnlyOnce("error")
                        .doesNotContain("finished");
                assertThat(statuses.get(statuses.size() - 1).path("messages").toString()).as("reason")
                        .contains("the new gateway service does not start");
                // no second try: the agent stays idle on A for a few polls
                Thread.sleep(30_000);
                assertThat(vm.running()).as("still running A").isTrue();
                assertThat(hawkbit.statuses(run.controllerId, actionId)).hasSameSizeAs(statuses);
                assertThat(vm.consoleText()).as("no second install").doesNotContain("installing rootfs-3.0.0");
                run.sampleAgent(vm);
                run.endBoot(vm);
            }
            run.passed();
        }
    }

    /**
     * power-cut-mid-install: QEMU is killed while the agent writes rootfs-b; A boots again, the agent resumes the
     * same action from its journal, finishes, and hawkBit gets exactly one final result.
     */
    @Order(5)
    @Test
    void powerCutMidInstall() throws Exception {
        try (Run run = new Run("power-cut-mid-install", 256)) {
            long ds = distributionSet(V2, null);
            long actionId;
            try (DeviceVm vm = run.boot("factory image", "A", V1)) {
                run.awaitPoll(vm);
                actionId = run.assign(ds, V2);
                vm.await(Pattern.compile("rootfs-2\\.0\\.0\\.tandem: [1-9]\\d* % of"), 0, INSTALL_TIMEOUT)
                        .orElseThrow(() -> new AssertionError("no install progress; console " + vm.console()));
                run.log.step(String.format("power cut %.1f s after power-on, mid-install", vm.seconds()));
                vm.cutPower();
                run.endBoot(vm);
            }
            try (DeviceVm vm = run.boot("after the power cut", "A", V1)) {
                run.awaitReboot(vm, "the agent resumed the action, installed " + V2 + " and rebooted");
            }
            try (DeviceVm vm = run.boot("trial of " + V2, "B", V2)) {
                JsonNode action = run.awaitActionClosed(vm, actionId);
                List<JsonNode> statuses = hawkbit.statuses(run.controllerId, actionId);
                assertThat(action.path("status").asText()).as("action status").isEqualTo("finished");
                assertThat(types(statuses)).as("one final result").endsWith("finished")
                        .containsOnlyOnce("finished").doesNotContain("error", "canceled");
                run.endBoot(vm);
            }
            run.passed();
        }
    }

    /**
     * cancel: hawkBit cancels the action while the agent installs; the install stops, rootfs-b is left bad, the
     * device reports canceled and keeps running A.
     */
    @Order(4)
    @Test
    void cancelDuringInstall() throws Exception {
        try (Run run = new Run("cancel", 256)) {
            long ds = distributionSet(V2, null);
            try (DeviceVm vm = run.boot("factory image", "A", V1)) {
                run.awaitPoll(vm);
                long actionId = run.assign(ds, V2);
                vm.await(Pattern.compile("installing rootfs-2\\.0\\.0\\.tandem"), 0, INSTALL_TIMEOUT)
                        .orElseThrow(() -> new AssertionError("the install never started; console " + vm.console()));
                hawkbit.cancel(run.controllerId, actionId);
                run.log.step(String.format("canceled in hawkBit %.1f s after power-on", vm.seconds()));
                JsonNode action = run.awaitActionClosed(vm, actionId);
                List<JsonNode> statuses = hawkbit.statuses(run.controllerId, actionId);
                assertThat(types(statuses)).as("status history").contains("canceling").endsWith("canceled")
                        .doesNotContain("finished", "error");
                assertThat(action.path("status").asText()).as("action closed").isEqualTo("finished");
                Thread.sleep(20_000);
                assertThat(vm.running()).as("A keeps running").isTrue();
                run.sampleAgent(vm);
                run.endBoot(vm);
                vm.cutPower();
                String grubenv = run.disk.readDataFile(run.diskPath, "/grub/grubenv");
                run.log.output("grubenv after the cancel", grubenv.replace("#", "").strip());
                assertThat(grubenv).as("B not activated").contains("B_OK=0").contains("ORDER=A");
            }
            run.passed();
        }
    }

    /**
     * usb-standalone: a device without a server. A stick holding only a bundle for another device is hot-plugged
     * into the running guest (QEMU monitor {@code device_add usb-storage}) and ignored with a line; then a FAT
     * stick (MBR, one partition) with v2: the standalone agent mounts it itself, read-only with nosuid, nodev and
     * noexec, verifies and installs v2 into rootfs-b, unmounts the stick and reboots; B boots and boot-check marks
     * it good. Neither stick's bytes change.
     */
    @Order(6)
    @Test
    void usbStandalone() throws Exception {
        Prerequisites.assumeTools("mkfs.vfat", "mcopy", "sfdisk", "mkfs.ext4", "sha256sum");
        try (Run run = new Run("usb-standalone", 256, true, Kernel.DEBIAN)) {
            Path v2 = bundle(image(V2, null, true, Kernel.DEBIAN), COMPATIBLE, V2,
                    dir.resolve("bundles/rootfs-" + V2 + "-standalone.tandem"));
            Path otherImage = run.sdir.resolve("another-device-rootfs.ext4");
            HostCommand.of("mkfs.ext4", "-q", "-F", otherImage.toString(), "4M").ok();
            Path other = bundle(otherImage, "another-device", "9.0.0", run.sdir.resolve("another-device.tandem"));
            Path otherStick = ext4Stick(run.sdir.resolve("stick-another-device.img"), other);
            Path v2Stick = fatStick(run.sdir.resolve("stick-v2.img"), v2);
            String otherSum = sha256(otherStick);
            String v2Sum = sha256(v2Stick);
            try (DeviceVm vm = run.boot("factory image, standalone", "A", V1)) {
                vm.await(Pattern.compile("agent: standalone"), 0, BOOT_TIMEOUT)
                        .orElseThrow(() -> new AssertionError("the standalone agent did not start; console "
                                + vm.console()));
                int from = vm.consoleText().length();
                plug(run, vm, "another-device", otherStick);
                vm.await(Pattern.compile("media: unmounted /dev/sd\\w+"), from, Duration.ofMinutes(5))
                        .orElseThrow(() -> new AssertionError("the stick for another device was not looked at;"
                                + " console " + vm.console()));
                String looked = vm.consoleText().substring(from);
                run.log.output("the stick for another device", tandemLines(looked));
                assertThat(looked).contains("(ro,nosuid,nodev,noexec)")
                        .contains("another-device.tandem (9.0.0): policy: bundle is for 'another-device'")
                        .contains("media: no bundle to install on /dev/sd").doesNotContain("installing ");
                run.log.step("unplugged the stick for another device: "
                        + monitorAnswer(vm.monitor("device_del stick-another-device")));
                from = vm.consoleText().length();
                plug(run, vm, "v2", v2Stick);
                long plugged = System.nanoTime();
                boolean ended = vm.awaitExit(INSTALL_TIMEOUT);
                String installed = vm.consoleText().substring(from);
                run.endBoot(vm);
                assertThat(ended).as("the agent installed " + V2 + " from the stick and rebooted; console "
                        + vm.console()).isTrue();
                double s = (System.nanoTime() - plugged) / 1e9;
                run.metrics.add(String.format("stick plugged to reboot: %.1f s", s));
                run.log.step(String.format("QEMU ended %.1f s after the v2 stick was plugged", s));
                int mounted = indexOf(installed, "media: mounted /dev/sd");
                int done = indexOf(installed, "installed " + V2 + " into rootfs.1");
                int unmounted = indexOf(installed, "media: unmounted /dev/sd");
                assertThat(mounted).as("mounted").isNotNegative();
                assertThat(installed.substring(mounted)).startsWith("media: mounted /dev/sda1 on"
                        + " /run/tandem/media/sda1 (ro,nosuid,nodev,noexec)");
                assertThat(done).as("installed after the mount").isGreaterThan(mounted);
                assertThat(unmounted).as("unmounted after the install").isGreaterThan(done);
            }
            try (DeviceVm vm = run.boot("trial of " + V2, "B", V2)) {
                run.sampleAgent(vm);
                run.endBoot(vm);
            }
            assertThat(sha256(otherStick)).as("the other stick's bytes").isEqualTo(otherSum);
            assertThat(sha256(v2Stick)).as("the v2 stick's bytes").isEqualTo(v2Sum);
            run.passed();
        }
    }

    /**
     * The agent idle on A for ten minutes, polling hawkBit every 5 s (120 polls): its RSS sampled every 20 s. The
     * last sample is the README's "agent idle RSS after 10 min"; it must not have grown by more than the JIT's
     * few MiB since the first poll (a leak per poll would show here), and stays under the agent unit's budget.
     */
    @Order(7)
    @Test
    @Tag("device-slow")
    void agentIdleForTenMinutes() throws Exception {
        try (Run run = new Run("agent-idle", 256)) {
            try (DeviceVm vm = run.boot("factory image", "A", V1)) {
                run.awaitPoll(vm);
                run.sampleAgent(vm);
                long first = lastAgentRssKib(vm.consoleText());
                Thread.sleep(Duration.ofMinutes(10).toMillis());
                run.sampleAgent(vm);
                long last = lastAgentRssKib(vm.consoleText());
                run.metrics.add(String.format("agent RSS %d KiB after its first poll, %d KiB ten minutes later", first,
                        last));
                run.log.step(run.metrics.get(run.metrics.size() - 1));
                assertThat(vm.running()).as("still running A").isTrue();
                assertThat(last).as("idle agent RSS after 10 min, KiB").isLessThan(96 * 1024);
                assertThat(last - first).as("growth over 10 idle minutes, KiB").isLessThan(12 * 1024);
                run.endBoot(vm);
            }
            run.passed();
        }
    }

    /** The agent's RSS in the last memory sample on the console. */
    private static long lastAgentRssKib(String console) {
        Matcher m = PROBE_AGENT.matcher(console);
        long rss = -1;
        while (m.find()) {
            if (!m.group(4).equals("-")) {
                rss = Long.parseLong(m.group(4));
            }
        }
        assertThat(rss).as("an agent memory sample on the console").isPositive();
        return rss;
    }

    /** Hot-plugs {@code image} as a USB stick on the guest's xHCI controller. */
    private static void plug(Run run, DeviceVm vm, String id, Path image) {
        String driveAdd = "drive_add 0 if=none,id=drive-" + id + ",format=raw,file=" + image;
        String deviceAdd = "device_add usb-storage,bus=xhci.0,drive=drive-" + id + ",id=stick-" + id;
        String drive = monitorAnswer(vm.monitor(driveAdd));
        String device = monitorAnswer(vm.monitor(deviceAdd));
        run.log.step(String.format("plugged %s %.1f s after power-on", image.getFileName(), vm.seconds()));
        run.log.output("QEMU monitor", driveAdd + "\n  " + drive + "\n" + deviceAdd + "\n  " + device);
    }

    /** The monitor's answer without its banner, prompt and the terminal codes of its echo. */
    private static String monitorAnswer(String raw) {
        StringBuilder b = new StringBuilder();
        for (String line : raw.replaceAll("\u001B\\[[0-9;]*[A-Za-z]", "").split("\r?\n")) {
            String l = line.strip();
            if (!l.isEmpty() && !l.startsWith("QEMU ") && !l.startsWith("(qemu)")) {
                b.append(b.length() == 0 ? "" : "; ").append(l);
            }
        }
        return b.length() == 0 ? "(no answer: done)" : b.toString();
    }

    /** A stick as sold: MBR, one FAT32 partition from 1 MiB, {@code file} in its root (mtools, no mount). */
    private static Path fatStick(Path image, Path file) throws IOException {
        long mib = (Files.size(file) >> 20) + 48;
        HostCommand.of("rm", "-f", image.toString()).ok();
        HostCommand.of("truncate", "-s", mib + "M", image.toString()).ok();
        HostCommand.of("sfdisk", "-q", image.toString()).stdin("label: dos\nstart=2048, type=c\n").ok();
        HostCommand.of("mkfs.vfat", "-F", "32", "--offset", "2048", image.toString(),
                String.valueOf((mib - 1) * 1024)).ok();
        HostCommand.of("mcopy", "-i", image + "@@1M", file.toString(), "::/" + file.getFileName()).ok();
        return image;
    }

    /** A stick without a partition table: ext4 over the whole device, {@code file} in its root. */
    private static Path ext4Stick(Path image, Path file) throws IOException {
        Path content = image.resolveSibling(image.getFileName() + ".d");
        HostCommand.of("rm", "-rf", content.toString()).ok();
        Files.createDirectories(content);
        Files.copy(file, content.resolve(file.getFileName()));
        HostCommand.of("mkfs.ext4", "-q", "-F", "-d", content.toString(), image.toString(),
                ((Files.size(file) >> 20) + 16) + "M").ok();
        return image;
    }

    private static String sha256(Path file) {
        return HostCommand.of("sha256sum", file.toString()).timeout(Duration.ofMinutes(2)).ok().split(" ")[0];
    }

    private static int indexOf(String text, String what) {
        return text.indexOf(what);
    }

    private static List<String> types(List<JsonNode> statuses) {
        List<String> out = new ArrayList<>();
        statuses.forEach(s -> out.add(s.path("type").asText()));
        return out;
    }

    /** The kernel the device's slots boot. */
    private enum Kernel {
        /** Debian's generic kernel of the cached root, with its initramfs. */
        DEBIAN(""),
        /** The 128 MiB board's own kernel (hardware-tests/board-kernel/build.sh). */
        BOARD("-board-kernel");

        final String suffix;

        Kernel(String suffix) {
            this.suffix = suffix;
        }

        /** The kernel to put in the slot, or null for the root's own. */
        Path path() {
            return this == BOARD ? DeviceRoot.boardKernel().orElseThrow() : null;
        }
    }

    /** One scenario on one new device: its directory, log, boots and measurements. */
    private final class Run implements AutoCloseable {
        final String scenario;
        final int ramMib;
        final Path sdir;
        final ScenarioLog log;
        final String controllerId;
        final DeviceDisk disk = layout;
        final Path diskPath;
        final long t0 = System.nanoTime();
        final List<String> metrics = new ArrayList<>();
        long assignedAt;
        int boots;
        double qemuSeconds;
        boolean passed;

        Run(String scenario, int ramMib) throws IOException {
            this(scenario, ramMib, false, Kernel.DEBIAN);
        }

        Run(String scenario, int ramMib, boolean standalone, Kernel kernel) throws IOException {
            this.scenario = scenario;
            this.ramMib = ramMib;
            this.sdir = dir.resolve(scenario);
            HostCommand.of("rm", "-rf", sdir.toString()).ok();
            Files.createDirectories(sdir);
            this.log = new ScenarioLog(sdir);
            this.controllerId = "device-" + scenario;
            this.diskPath = factoryDisk(sdir, controllerId, standalone, kernel);
            log.step("factory disk " + diskPath + ": " + V1 + " in rootfs-a, slot size " + (layout.slotSize() >> 20)
                    + " MiB, " + ramMib + " MiB of RAM, hawkBit target " + controllerId);
        }

        /**
         * Powers the device on and waits for boot-check to finish; checks the booted slot and version unless
         * null (a boot that boot-check ends with a reboot has no probe line).
         */
        DeviceVm boot(String label, String slot, String version) throws IOException {
            int n = ++boots;
            Path console = sdir.resolve("boot" + n + ".log");
            log.step("boot " + n + " (" + label + "): QEMU started, console " + sdir.relativize(console));
            DeviceVm vm = DeviceVm.start(diskPath, ramMib, console);
            if (slot == null) {
                return vm;
            }
            Optional<Matcher> probe = vm.await(PROBE_BOOT, 0, BOOT_TIMEOUT);
            if (probe.isEmpty()) {
                // The next scenario must not share the 2 cores with a guest this one gave up on.
                vm.close();
                throw new AssertionError("boot " + n + ": boot-check did not finish in " + BOOT_TIMEOUT.toMinutes()
                        + " min; console " + console);
            }
            Matcher m = probe.get();
            String measured = bootMetrics(n, vm.seconds(), m);
            metrics.add(measured);
            log.step(measured);
            assertThat(m.group(1)).as("boot " + n + " slot").isEqualTo(slot);
            assertThat(m.group(2)).as("boot " + n + " version").isEqualTo(version);
            assertThat(m.group(3)).as("boot " + n + " boot-check result").isEqualTo("success");
            return vm;
        }

        void awaitPoll(DeviceVm vm) throws IOException, InterruptedException {
            DeviceScenariosTest.this.awaitPoll(vm, controllerId);
            log.step(String.format("the agent polled hawkBit %.1f s after power-on", vm.seconds()));
        }

        long assign(long ds, String version) throws IOException {
            long id = hawkbit.assign(ds, controllerId);
            assignedAt = System.nanoTime();
            log.step("assigned " + version + " in hawkBit (action " + id + ")");
            return id;
        }

        /** Waits until the guest rebooted itself (QEMU ends with -no-reboot). */
        void awaitReboot(DeviceVm vm, String what) throws IOException {
            boolean ended = vm.awaitExit(INSTALL_TIMEOUT);
            endBoot(vm);
            assertThat(ended).as(what + " within " + INSTALL_TIMEOUT.toMinutes() + " min; console " + vm.console())
                    .isTrue();
            String installed = "";
            Matcher m = Pattern.compile("installing \\S+ \\(([0-9.]+) MiB\\)").matcher(vm.consoleText());
            if (m.find()) {
                double s = (System.nanoTime() - assignedAt) / 1e9;
                installed = String.format(" (%.1f s after the assignment; %.2f MiB/s of the %d MiB slot)", s,
                        (layout.slotSize() >> 20) / s, layout.slotSize() >> 20);
            }
            log.step(what + String.format(": QEMU ended %.1f s after power-on", vm.seconds()) + installed);
            if (!installed.isEmpty()) {
                metrics.add("assignment to reboot" + installed);
            }
        }

        /** A boot's end: QEMU time, the agent's last memory sample, tandem's console lines into the log. */
        void endBoot(DeviceVm vm) {
            qemuSeconds += vm.seconds();
            String c = vm.consoleText();
            agentMemory(c).ifPresent(mem -> metrics.add("boot " + boots + " agent: " + mem));
            log.output("boot " + boots + " tandem lines", tandemLines(c));
        }

        JsonNode awaitActionClosed(DeviceVm vm, long actionId) throws IOException, InterruptedException {
            JsonNode action = DeviceScenariosTest.this.awaitActionClosed(vm, controllerId, actionId);
            double s = (System.nanoTime() - assignedAt) / 1e9;
            metrics.add(String.format("assignment to the action closed in hawkBit: %.1f s", s));
            log.step(metrics.get(metrics.size() - 1));
            log.output("hawkBit action", action.toPrettyString());
            StringBuilder st = new StringBuilder();
            int downloads = 0;
            for (JsonNode status : hawkbit.statuses(controllerId, actionId)) {
                // hawkBit logs every ranged GET of the artifact as a "download" status: counted, not listed
                if (status.path("type").asText().equals("download")) {
                    downloads++;
                    continue;
                }
                st.append(status.path("type").asText()).append(' ').append(status.path("messages")).append('\n');
            }
            st.append("(and ").append(downloads).append(" download statuses, one per HTTP range request)\n");
            log.output("hawkBit action status history", st.toString());
            return action;
        }

        /** Waits until the device's attributes in hawkBit show {@code key = value}; returns the last seen. */
        JsonNode awaitAttribute(DeviceVm vm, String key, String value) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            JsonNode attrs = hawkbit.attributes(controllerId);
            while (!attrs.path(key).asText().equals(value) && System.nanoTime() < deadline && vm.running()) {
                Thread.sleep(2000);
                attrs = hawkbit.attributes(controllerId);
            }
            log.output("hawkBit target attributes", attrs.toPrettyString());
            return attrs;
        }

        /** Waits for one more memory sample of the agent (every 20 s). */
        void sampleAgent(DeviceVm vm) {
            int from = vm.consoleText().length();
            vm.await(PROBE_AGENT, from, Duration.ofSeconds(60));
        }

        void passed() {
            passed = true;
        }

        @Override
        public void close() throws IOException {
            log.output("measured", String.join("\n", metrics));
            Files.writeString(sdir.resolve("metrics.txt"), String.join("\n", metrics) + "\n",
                    StandardCharsets.UTF_8);
            log.summary("device-grub-bios", scenario, passed ? "passed" : "FAILED", boots,
                    Duration.ofMillis((long) (qemuSeconds * 1000)),
                    Duration.ofNanos(System.nanoTime() - t0));
        }
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
            // the Management API shows "pending" while the action is open, "finished" once closed in any way
            if (a.path("status").asText().equals("finished")) {
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
