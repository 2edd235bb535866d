package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.boot.FileAdapter;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FileSource;
import dev.tandem.bundle.VerificationException;
import dev.tandem.slot.BusyException;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole installs into file-backed slots with the file bootloader: real bundles signed by a development CA made at
 * test time, every byte that reaches the target checked against the image ({@link CheckedTargets}).
 */
class InstallIntoFileSlotTest {

    static final long SLOT_SIZE = 16L << 20;
    static final long IMAGE_SIZE = (12L << 20) + 12345;
    static final int CHUNK = 64 * 1024;

    @TempDir
    Path dir;
    TestDevice device;
    Path image;
    Path bundle;

    @BeforeEach
    void makeDevice() throws IOException {
        device = TestDevice.create(dir.resolve("device"), SLOT_SIZE, "");
        image = TestDevice.imageWithZeroRegions(dir.resolve("v2.img"), IMAGE_SIZE, 2);
        bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
    }

    InstallResult install(Path bundleFile, InstallOptions options, CheckedTargets targets, InstallListener listener)
            throws IOException {
        try (BundleSource source = FileSource.open(bundleFile)) {
            return device.installer(InstallSettings.defaults(), targets).install(source, options, listener);
        }
    }

    @Test
    void writesTheImageByteIdenticalThenMarksTheSlotPendingAndPrimary() throws IOException {
        CheckedTargets targets = new CheckedTargets(image);
        AtomicReference<SlotState> beforeActivation = new AtomicReference<>();
        InstallListener listener = new InstallListener() {
            @Override
            public void phase(InstallPhase phase, String detail) {
                if (phase == InstallPhase.ACTIVATED) {
                    beforeActivation.set(device.state(TestDevice.SLOT_B));
                }
            }
        };

        InstallResult r = install(bundle, InstallOptions.defaults(), targets, listener);

        assertThat(TestDevice.firstDifference(device.slotB, image)).isEqualTo(-1);
        assertThat(targets.violations()).isEmpty();
        assertThat(beforeActivation.get()).isEqualTo(SlotState.INSTALLED);
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
        assertThat(device.status(TestDevice.SLOT_B).version()).isEqualTo("2.0.0");
        assertThat(device.status(TestDevice.SLOT_B).imageSha256()).isEqualTo(TestDevice.sha256(image));
        FileAdapter boot = device.bootloader();
        assertThat(boot.primary()).hasValue("B");
        assertThat(boot.state("B").bootable()).isTrue();
        assertThat(boot.state("B").attemptsLeft()).isEqualTo(1);
        assertThat(boot.state("A").bootable()).isTrue();
        assertThat(device.journal()).doesNotExist();
        assertThat(device.savedTables().has(TestDevice.SLOT_B)).isTrue();
        assertThat(device.savedTables().chunks(TestDevice.SLOT_B).imageSize()).isEqualTo(IMAGE_SIZE);
        assertThat(r.activated()).isTrue();
        assertThat(r.resumed()).isFalse();
        assertThat(r.images()).singleElement().satisfies(i -> {
            assertThat(i.slot()).isEqualTo(TestDevice.SLOT_B);
            assertThat(i.sha256()).isEqualTo(TestDevice.sha256(image));
        });
        // The simulated reboot runs the new slot.
        assertThat(boot.simulateBoot()).hasValue("B");
    }

    @Test
    void aBundleWhoseHundredthChunkIsCorruptFailsAndNeverWritesThatChunk() throws IOException {
        Path random = TestDevice.randomImage(dir.resolve("random.img"), IMAGE_SIZE, 3);
        Path corrupt = device.bundle("2.0.0", random, dir.resolve("corrupt.tandem"));
        TestDevice.StoredChunk c100 = TestDevice.storedChunk(corrupt, 100);
        // The signature stays valid: only the stored bytes of chunk 100 in .dat change.
        TestDevice.flipByte(corrupt, c100.offset() + c100.length() / 2);
        CheckedTargets targets = new CheckedTargets(random);

        assertThatThrownBy(() -> install(corrupt, InstallOptions.defaults(), targets, InstallListener.NONE))
                .isInstanceOfSatisfying(VerificationException.class, e -> {
                    assertThat(e.chunkIndex()).isEqualTo(100);
                    assertThat(e.getMessage()).doesNotContain("\n");
                });

        assertThat(targets.touched(100L * CHUNK, CHUNK)).as("chunk 100 written").isFalse();
        assertThat(TestDevice.zeroAt(device.slotB, 100L * CHUNK, CHUNK)).isTrue();
        assertThat(targets.violations()).isEmpty();
        assertThat(TestDevice.foreignChunks(device.slotB, random, CHUNK)).isEmpty();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.WRITING);
        FileAdapter boot = device.bootloader();
        assertThat(boot.primary()).hasValue("A");
        assertThat(boot.state("B").bootable()).isFalse();
        assertThat(boot.state("B").attemptsLeft()).as("try-once never set").isZero();
        assertThat(boot.simulateBoot()).hasValue("A");
    }

    @Nested
    class PolicyRefusalsWriteNothing {

        void assertNothingWritten(CheckedTargets targets, Path target, SlotState stateBefore, String slot)
                throws IOException {
            assertThat(targets.opened()).isZero();
            assertThat(targets.written()).isEmpty();
            assertThat(TestDevice.zeroAt(target, 0, (int) SLOT_SIZE)).isTrue();
            assertThat(device.state(slot)).isEqualTo(stateBefore);
            assertThat(device.journal()).doesNotExist();
        }

        @Test
        void anIncompatibleBundle() throws IOException {
            Path other = dir.resolve("other.tandem");
            device.bundle("2.0.0").compatible("other-device").image("rootfs", "rootfs", image).write(other);
            CheckedTargets targets = new CheckedTargets(image);

            assertThatThrownBy(() -> install(other, InstallOptions.defaults(), targets, InstallListener.NONE))
                    .isInstanceOfSatisfying(PolicyException.class,
                            e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.INCOMPATIBLE));
            assertNothingWritten(targets, device.slotB, SlotState.EMPTY, TestDevice.SLOT_B);
            assertThat(device.bootloader().primary()).hasValue("A");
        }

        @Test
        void aSecurityVersionBelowTheFloor() throws IOException {
            device = TestDevice.create(dir.resolve("floored"), SLOT_SIZE, "[anti-rollback]\ninitial-floor = 5\n");
            Path old = dir.resolve("sv4.tandem");
            device.bundle("2.0.0").securityVersion(4).image("rootfs", "rootfs", image).write(old);
            CheckedTargets targets = new CheckedTargets(image);

            assertThatThrownBy(() -> install(old, InstallOptions.defaults(), targets, InstallListener.NONE))
                    .isInstanceOfSatisfying(PolicyException.class,
                            e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.SECURITY_VERSION));
            assertNothingWritten(targets, device.slotB, SlotState.EMPTY, TestDevice.SLOT_B);
            // Even --force and --allow-downgrade do not lower the floor.
            assertThatThrownBy(() -> install(old, new InstallOptions(true, true, true, true, false), targets,
                    InstallListener.NONE)).isInstanceOf(PolicyException.class);
            assertNothingWritten(targets, device.slotB, SlotState.EMPTY, TestDevice.SLOT_B);
        }

        @Test
        void aDowngrade() throws IOException {
            bootIntoGoodVersion2();
            Path v1 = device.bundle("1.5.0", image, dir.resolve("v1.5.tandem"));
            CheckedTargets targets = new CheckedTargets(image);

            assertThatThrownBy(() -> install(v1, InstallOptions.defaults(), targets, InstallListener.NONE))
                    .isInstanceOfSatisfying(PolicyException.class,
                            e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.DOWNGRADE));
            assertNothingWritten(targets, device.slotA, SlotState.GOOD, TestDevice.SLOT_A);
            assertThat(device.bootloader().primary()).hasValue("B");
        }

        @Test
        void whileTheBootedSlotIsOnTrial() throws IOException {
            install(bundle, InstallOptions.defaults(), new CheckedTargets(image), InstallListener.NONE);
            assertThat(device.bootloader().simulateBoot()).hasValue("B");
            assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
            Path v3 = device.bundle("3.0.0", image, dir.resolve("v3.tandem"));
            CheckedTargets targets = new CheckedTargets(image);

            assertThatThrownBy(() -> install(v3, InstallOptions.defaults(), targets, InstallListener.NONE))
                    .isInstanceOfSatisfying(PolicyException.class,
                            e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.BOOTED_NOT_GOOD));
            assertNothingWritten(targets, device.slotA, SlotState.GOOD, TestDevice.SLOT_A);
        }

        @Test
        void aTargetSmallerThanTheImage() throws IOException {
            TestDevice.makeSlotFile(device.slotB, IMAGE_SIZE - 1);
            CheckedTargets targets = new CheckedTargets(image);

            assertThatThrownBy(() -> install(bundle, InstallOptions.defaults(), targets, InstallListener.NONE))
                    .isInstanceOfSatisfying(PolicyException.class,
                            e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.TOO_SMALL));
            assertThat(targets.opened()).isZero();
            assertThat(TestDevice.zeroAt(device.slotB, 0, (int) (IMAGE_SIZE - 1))).isTrue();
            assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
        }

        /** Version 2.0.0 installed into B, booted, marked good: A is now the target. */
        void bootIntoGoodVersion2() throws IOException {
            install(bundle, InstallOptions.defaults(), new CheckedTargets(image), InstallListener.NONE);
            assertThat(device.bootloader().simulateBoot()).hasValue("B");
            DeviceSlots slots = device.slots();
            try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "test")) {
                slots.markGood(slots.booted());
            }
            assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.GOOD);
            assertThat(device.state(TestDevice.SLOT_A)).isEqualTo(SlotState.GOOD);
        }
    }

    @Test
    void noActivateStopsAtInstalledAndActivateSetsTryOnceLater() throws IOException {
        CheckedTargets targets = new CheckedTargets(image);
        InstallResult r = install(bundle, new InstallOptions(false, false, false, false, true), targets,
                InstallListener.NONE);

        assertThat(r.activated()).isFalse();
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.INSTALLED);
        assertThat(device.bootloader().primary()).hasValue("A");
        assertThat(device.bootloader().state("B").bootable()).isFalse();
        assertThat(device.journal()).doesNotExist();

        DeviceSlots slots = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "activate")) {
            slots.activate(slots.targetGroup());
        }
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
        assertThat(device.bootloader().primary()).hasValue("B");
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
    }

    @Test
    void aSecondInstallWhileOneHoldsTheLockFailsFastAsBusy() throws IOException {
        CheckedTargets targets = new CheckedTargets(image);
        try (DataDirLock held = DataDirLock.acquire(device.dataDir, "install")) {
            held.update("install 37 %");
            assertThatThrownBy(() -> install(bundle, InstallOptions.defaults(), targets, InstallListener.NONE))
                    .isInstanceOf(BusyException.class)
                    .hasMessageContaining("pid " + ProcessHandle.current().pid())
                    .hasMessageContaining("install 37 %");
        }
        assertThat(targets.opened()).isZero();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
    }

    @Test
    void installsFromAPipeReadOnceFrontToBack() throws IOException {
        CheckedTargets targets = new CheckedTargets(image);
        InstallResult r;
        try (InputStream in = Files.newInputStream(bundle)) {
            StdinSource stdin = new StdinSource(in);
            r = device.installer(InstallSettings.defaults(), targets).install(stdin, InstallOptions.defaults(),
                    InstallListener.NONE);
        }
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        assertThat(targets.violations()).isEmpty();
        assertThat(r.downloaded()).isEqualTo(Files.size(bundle));
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
    }

    @Test
    void anExt4ImageInstallsByteIdentical() throws IOException {
        Path ext4 = TestDevice.ext4Image(dir.resolve("ext4.img"), 12L << 20, 16, 5).orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(ext4 != null, "mke2fs is not installed (apt-get install e2fsprogs)");
        Path b = device.bundle("2.0.0", ext4, dir.resolve("ext4.tandem"));
        CheckedTargets targets = new CheckedTargets(ext4);
        install(b, InstallOptions.defaults(), targets, InstallListener.NONE);
        assertThat(TestDevice.slotHolds(device.slotB, ext4)).isTrue();
        assertThat(targets.violations()).isEmpty();
        assertThat(List.of(device.state(TestDevice.SLOT_B))).containsExactly(SlotState.PENDING);
    }
}
