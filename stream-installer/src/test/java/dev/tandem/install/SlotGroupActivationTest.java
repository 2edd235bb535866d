package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.bundle.FileSource;
import dev.tandem.slot.bootcheck.BootCheck;
import dev.tandem.slot.bootcheck.BootCheckResult;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.state.FailedBundle;
import dev.tandem.slot.bootcheck.HealthCheck;
import dev.tandem.slot.Hooks;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.SlotStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slot group boots as a whole: on a device with three slot classes (rootfs, boot, appfs; file slots, the file
 * bootloader, real signed bundles), a group is offered to the bootloader only when every slot of it is good or
 * holds the same fully written and checked bundle. An appfs-only bundle beside a bad rootfs is refused before
 * anything is written; a half-written group marked bad is never made active.
 */
class SlotGroupActivationTest {

    static final long SLOT_SIZE = 1L << 20;
    static final int IMAGE_SIZE = 384 << 10;
    static final List<String> GROUP_B = List.of("rootfs.1", "boot.1", "appfs.1");
    static final InstallOptions NO_ACTIVATE = new InstallOptions(false, false, false, false, true);

    @TempDir
    Path dir;
    TestDevice device;

    @BeforeEach
    void makeDevice() throws IOException {
        Path d = dir.resolve("device");
        Files.createDirectories(d);
        StringBuilder toml = new StringBuilder();
        for (String cls : List.of("boot", "appfs")) {
            for (int i = 0; i < 2; i++) {
                Path file = d.resolve(cls + "-" + i + ".img");
                TestDevice.makeSlotFile(file, SLOT_SIZE);
                toml.append("\n[slots.\"").append(cls).append('.').append(i).append("\"]\n")
                        .append("device = \"").append(file).append("\"\n")
                        .append("parent = \"rootfs.").append(i).append("\"\n");
            }
        }
        toml.append("\n[health]\ncommands = [\"test ! -e '").append(d.resolve("unhealthy")).append("'\"]\n");
        device = TestDevice.create(d, SLOT_SIZE, toml.toString());
        // boot-check's reboot after a failed trial must not reboot the machine running the test
        Files.writeString(device.configFile, "reboot-command = \"true\"\n" + Files.readString(device.configFile));
    }

    /** tandem-boot-check.service after a boot. */
    private BootCheckResult bootCheck() {
        DeviceSlots slots = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "boot-check")) {
            return new BootCheck(slots, HealthCheck.system(slots.config().health()),
                    new Hooks(slots.config().hooks(), slots.config().compatible(), slots.config().dataDir())).run();
        }
    }

    /** A bundle with one random image per class in {@code classes}, seeded by the version. */
    private Path bundle(String version, String... classes) throws IOException {
        var writer = device.bundle(version);
        for (String cls : classes) {
            Path image = TestDevice.randomImage(dir.resolve(cls + "-" + version + ".img"), IMAGE_SIZE,
                    (version + cls).hashCode());
            writer.image(cls, cls, image);
        }
        Path out = dir.resolve(String.join("-", classes) + "-" + version + ".tandem");
        writer.write(out);
        return out;
    }

    private void markBad(String slot) {
        DeviceSlots slots = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "mark-bad")) {
            slots.markBad(slots.select(slot), "marked bad by hand");
        }
    }

    private static PolicyException.Reason reasonOf(Throwable t) {
        return ((PolicyException) t).reason();
    }

    @Test
    void anAppfsOnlyBundleBesideABadRootfsAndBootIsRefusedBeforeAnythingIsWritten() throws IOException {
        device.install(bundle("1.1.0", "rootfs", "boot", "appfs"));
        markBad("rootfs.1");
        Path appfsBefore = dir.resolve("appfs-1-before.img");
        Files.copy(device.dir.resolve("appfs-1.img"), appfsBefore);
        SlotStatus appfsStatus = device.status("appfs.1");
        Path appOnly = bundle("1.2.0", "appfs");

        for (InstallOptions options : List.of(InstallOptions.defaults(), NO_ACTIVATE)) {
            assertThatThrownBy(() -> device.install(appOnly, options))
                    .isInstanceOf(PolicyException.class)
                    .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(PolicyException.Reason.MIXED_GROUP))
                    .hasMessage("policy: slot rootfs.1 is bad and this bundle does not write it; install a bundle"
                            + " that includes rootfs");
        }

        assertThat(TestDevice.slotHolds(device.dir.resolve("appfs-1.img"), appfsBefore)).isTrue();
        assertThat(device.status("appfs.1")).isEqualTo(appfsStatus);
        assertThat(device.journal()).doesNotExist();
        assertThat(device.bootloader().primary()).hasValue("A");
        assertThat(device.bootloader().state("B").bootable()).isFalse();
        assertThat(device.bootloader().simulateBoot()).hasValue("A");

        InstallResult full = device.install(bundle("1.2.0", "rootfs", "boot", "appfs"));
        assertThat(full.activated()).isTrue();
        GROUP_B.forEach(s -> assertThat(device.state(s)).as(s).isEqualTo(SlotState.PENDING));
    }

    @Test
    void anAppfsOnlyBundleBesideGoodSlotsInstallsWithNoActivateAndActivateTriesTheWholeGroup() throws IOException {
        device.install(bundle("1.1.0", "rootfs", "boot", "appfs"));
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
        DeviceSlots booted = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "boot-check")) {
            booted.markGood(booted.booted());
        }

        InstallResult r = device.install(bundle("1.2.0", "appfs"), NO_ACTIVATE);
        assertThat(r.activated()).isFalse();
        assertThat(device.state("appfs.0")).isEqualTo(SlotState.INSTALLED);
        assertThat(device.state("rootfs.0")).isEqualTo(SlotState.GOOD);

        DeviceSlots slots = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "activate")) {
            slots.activate(slots.targetGroup()); // what `tandem activate` does
        }
        for (String s : List.of("rootfs.0", "boot.0", "appfs.0")) {
            assertThat(device.state(s)).as(s).isEqualTo(SlotState.PENDING);
        }
        assertThat(device.bootloader().simulateBoot()).hasValue("A");
    }

    @Test
    void activateRefusesAGroupWhoseOtherSlotWentBadAfterAnInstallWithNoActivate() throws IOException {
        device.install(bundle("1.1.0", "rootfs", "boot", "appfs"), NO_ACTIVATE);
        DeviceSlots slots = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "test")) {
            slots.markBad(slots.select("rootfs.1"), "marked bad by hand");
        }

        assertThatThrownBy(() -> {
            try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "activate")) {
                slots.activate(slots.targetGroup());
            }
        }).isInstanceOf(PolicyException.class).hasMessage("activate rootfs.1: it is bad, not installed");
        assertThat(device.bootloader().state("B").bootable()).isFalse();
    }

    @Test
    void markActiveRefusesAGroupLeftHalfWrittenByAnInterruptedInstallThenMarkedBad() throws IOException {
        Path full = bundle("1.1.0", "rootfs", "boot", "appfs");
        try (InterruptingSource s = new InterruptingSource(FileSource.open(full), Files.size(full) / 2)) {
            assertThatThrownBy(() -> device.installer(InstallSettings.defaults()).install(s,
                    InstallOptions.defaults(), InstallListener.NONE))
                    .isInstanceOf(InterruptingSource.Interrupted.class);
        }
        GROUP_B.forEach(s -> assertThat(device.state(s)).as(s).isEqualTo(SlotState.WRITING));
        markBad("rootfs.1");

        DeviceSlots slots = device.slots();
        assertThatThrownBy(() -> {
            try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "mark-active")) {
                slots.markActive(slots.select("other"));
            }
        }).isInstanceOf(PolicyException.class)
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(PolicyException.Reason.WRONG_STATE))
                .hasMessage("mark-active rootfs.1: it is bad and its content was never written in full and checked"
                        + " (an interrupted install?); install a bundle into it first");

        assertThat(device.bootloader().primary()).hasValue("A");
        assertThat(device.bootloader().state("B").bootable()).isFalse();
        assertThat(device.bootloader().simulateBoot()).hasValue("A");
        GROUP_B.forEach(s -> assertThat(device.state(s)).as(s).isEqualTo(SlotState.BAD));
    }

    @Test
    void markGoodRefusesAGroupWhoseAppfsAnInterruptedInstallLeftHalfWritten() throws IOException {
        device.install(bundle("1.1.0", "rootfs", "boot", "appfs"));
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
        DeviceSlots booted = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "boot-check")) {
            booted.markGood(booted.booted());
        }
        Path appOnly = bundle("1.2.0", "appfs");
        try (InterruptingSource s = new InterruptingSource(FileSource.open(appOnly), Files.size(appOnly) / 2)) {
            assertThatThrownBy(() -> device.installer(InstallSettings.defaults()).install(s,
                    InstallOptions.defaults(), InstallListener.NONE))
                    .isInstanceOf(InterruptingSource.Interrupted.class);
        }
        assertThat(device.state("appfs.0")).isEqualTo(SlotState.WRITING);
        assertThat(device.state("rootfs.0")).isEqualTo(SlotState.GOOD);

        DeviceSlots slots = device.slots();
        assertThatThrownBy(() -> {
            try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "mark-good")) {
                slots.markGood(slots.select("rootfs.0"));
            }
        }).isInstanceOf(PolicyException.class)
                .hasMessage("mark-good appfs.0: it is writing; its content is unknown");
        assertThat(device.state("appfs.0")).isEqualTo(SlotState.WRITING);
        assertThat(device.bootloader().primary()).hasValue("B");
        assertThat(device.bootloader().state("A").bootable()).isFalse();
    }

    @Test
    void aFailedTrialOfAnAppfsOnlyBundleRecordsThatBundleNotTheOlderRootfsBesideIt() throws IOException {
        InstallResult v11 = device.install(bundle("1.1.0", "rootfs", "boot", "appfs"));
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
        assertThat(bootCheck().outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_GOOD);
        device.install(bundle("1.2.0", "rootfs", "boot", "appfs"));
        assertThat(device.bootloader().simulateBoot()).hasValue("A");
        assertThat(bootCheck().outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_GOOD);

        InstallResult v13 = device.install(bundle("1.3.0", "appfs"));
        GROUP_B.forEach(s -> assertThat(device.state(s)).as(s).isEqualTo(SlotState.PENDING));
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
        Files.writeString(device.dir.resolve("unhealthy"), "");
        assertThat(bootCheck().outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_BAD);

        assertThat(device.slots().current().failedBundles()).extracting(FailedBundle::bundleId)
                .containsExactly(v13.bundleId()).doesNotContain(v11.bundleId());
        GROUP_B.forEach(s -> assertThat(device.state(s)).as(s).isEqualTo(SlotState.BAD));
    }

    @Test
    void aFailedTrialRecordsTheActivatedBundleEvenAfterTheClockWentBack() throws IOException {
        InstallResult v11 = device.install(bundle("1.1.0", "rootfs", "boot", "appfs"));
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
        assertThat(bootCheck().outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_GOOD);
        device.install(bundle("1.2.0", "rootfs", "boot", "appfs"));
        assertThat(device.bootloader().simulateBoot()).hasValue("A");
        assertThat(bootCheck().outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_GOOD);
        InstallResult v13 = device.install(bundle("1.3.0", "appfs"));
        // A device without a real-time clock: 1.1.0 was installed while the clock ran ahead, 1.3.0 after a reset.
        setInstalledTime("rootfs.1", "2099-01-01T00:00:00Z");
        setInstalledTime("boot.1", "2099-01-01T00:00:00Z");
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
        Files.writeString(device.dir.resolve("unhealthy"), "");

        assertThat(bootCheck().outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_BAD);

        assertThat(device.slots().current().failedBundles()).extracting(FailedBundle::bundleId)
                .containsExactly(v13.bundleId()).doesNotContain(v11.bundleId());
    }

    /** Rewrites a slot's {@code installed} time in status.json, as a device whose clock jumped would have it. */
    private void setInstalledTime(String slot, String time) throws IOException {
        Path status = device.dataDir.resolve("status.json");
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(status.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.path("slots").path(slot)).put("installed", time);
        mapper.writeValue(status.toFile(), tree);
    }

    @Test
    void markActiveTriesAgainAGroupThatWasWrittenInFullAndCheckedThenMarkedBad() throws IOException {
        device.install(bundle("1.1.0", "rootfs", "boot", "appfs"));
        markBad("rootfs.1");

        DeviceSlots slots = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "mark-active")) {
            slots.markActive(slots.select("other"));
        }
        GROUP_B.forEach(s -> assertThat(device.state(s)).as(s).isEqualTo(SlotState.PENDING));
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
    }
}
