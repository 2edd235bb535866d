package dev.tandem.slot.state;

import dev.tandem.slot.ConfigException;
import dev.tandem.slot.GptImage;
import dev.tandem.slot.Slot;
import dev.tandem.slot.state.TestDevice;
import dev.tandem.slot.bootcheck.BootCheckResult;
import dev.tandem.slot.policy.Candidate;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.PolicyException;
import static dev.tandem.slot.ConfigReasons.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.boot.GrubEnvAdapter;
import dev.tandem.slot.BootIdSource;
import dev.tandem.slot.BootedSlot;
import dev.tandem.slot.SlotResolver;
import dev.tandem.slot.config.SystemConfig;
import dev.tandem.testsupport.LoopDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import dev.tandem.slot.policy.CandidateImage;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceSlotsTest {

    @TempDir
    Path dir;

    private TestDevice device(String extra) throws IOException {
        TestDevice d = TestDevice.create(dir, extra);
        d.reboot();
        d.bootCheck().run();
        return d;
    }

    /** The device of {@code config} (any bootloader) booted from A, in boot "boot-1", on {@code clock}. */
    private DeviceSlots withBootedA(SystemConfig config, Clock clock) throws IOException {
        List<Slot> slots = new SlotResolver(dir.resolve("no-sysfs"), dir.resolve("no-dev")).resolve(config, () -> {
            throw new AssertionError("file slots need no boot disk");
        });
        Path bootId = Files.writeString(dir.resolve("boot_id"), "boot-1\n");
        return new DeviceSlots(config, slots, DeviceSlots.adapterFor(config), StatusStore.in(config.dataDir()),
                new BootedSlot(slots.get(0), "test"), BootIdSource.kernel(bootId), clock, dir.resolve("no-watchdog"));
    }

    private static void refusedWith(PolicyException.Reason reason, Runnable r) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(PolicyException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Nested
    class TheInstallFlow {

        @Test
        void markingWritingMakesTheTargetUnbootableBeforeStatusSaysWriting() throws IOException {
            TestDevice d = device("");
            DeviceSlots slots = d.slots();
            d.adapter().setTryOnce("B");

            slots.markWriting(slots.select("other"));

            assertThat(d.adapter().state("B").bootable()).isFalse();
            assertThat(slots.current().slot("rootfs.1").state()).isEqualTo(SlotState.WRITING);
        }

        @Test
        void theBootedGroupIsNeverATarget() throws IOException {
            DeviceSlots slots = device("").slots();

            refusedWith(PolicyException.Reason.TARGET_BOOTED, () -> slots.markWriting(slots.booted()));
            assertThat(slots.targetGroup()).extracting(Slot::name).containsExactly("rootfs.1");
        }

        @Test
        void markingInstalledNeedsASlotThatWasBeingWritten() throws IOException {
            DeviceSlots slots = device("").slots();

            refusedWith(PolicyException.Reason.WRONG_STATE, () -> slots.markInstalled(slots.select("B"),
                    TestDevice.candidate("2.0.0", 1), "00"));
        }

        @Test
        void installedRecordsWhatTheSlotHolds() throws IOException {
            DeviceSlots slots = device("").slots();
            Candidate c = TestDevice.candidate("2.0.0", 4);
            Slot b = slots.select("other");

            slots.markWriting(b);
            slots.markInstalled(b, c, "cd".repeat(32));

            SlotStatus st = slots.current().slot("rootfs.1");
            assertThat(st.state()).isEqualTo(SlotState.INSTALLED);
            assertThat(st.version()).isEqualTo("2.0.0");
            assertThat(st.bundleId()).isEqualTo(c.bundleId());
            assertThat(st.imageSha256()).isEqualTo("cd".repeat(32));
            assertThat(st.securityVersion()).isEqualTo(4);
            assertThat(st.created()).isEqualTo(c.created());
        }

        @Test
        void activatingNeedsAnInstalledSlot() throws IOException {
            DeviceSlots slots = device("").slots();
            Slot b = slots.select("other");
            slots.markWriting(b);

            refusedWith(PolicyException.Reason.WRONG_STATE, () -> slots.activate(List.of(b)));
        }

        @Test
        void activatingSetsTryOnceAndRecordsTheBootId() throws IOException {
            TestDevice d = device("");

            d.installAndActivate(TestDevice.candidate("2.0.0", 1));

            DeviceSlots slots = d.slots();
            assertThat(d.adapter().primary()).hasValue("B");
            assertThat(slots.current().slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
            assertThat(slots.current().slot("rootfs.1").bootId()).isEqualTo("file-boot-1");
        }
    }

    /** The states each transition needs, and the booted group it never touches (each refusal by its reason). */
    @Nested
    class TransitionGuards {

        private TestDevice withFollowers() throws IOException {
            TestDevice d = TestDevice.withFollowers(dir, "");
            d.reboot();
            d.bootCheck().run();
            return d;
        }

        @Test
        void activatingRefusesAGroupWhoseFollowerIsStillBeingWritten() throws IOException {
            DeviceSlots slots = withFollowers().slots();
            Slot rootfs = slots.select("rootfs.1");
            Slot appfs = slots.select("appfs.1");
            assertThat(slots.group(rootfs)).extracting(Slot::name).containsExactly("rootfs.1", "appfs.1");
            Candidate c = TestDevice.candidate("2.0.0", 1);
            slots.markWriting(rootfs);
            slots.markInstalled(rootfs, c, "ab".repeat(32));
            slots.markWriting(appfs);

            // The bootable slot is installed, but its follower's content is unknown: the group must not boot.
            assertThatThrownBy(() -> slots.activate(List.of(rootfs))).isInstanceOfSatisfying(PolicyException.class,
                    e -> {
                        assertThat(e.reason()).isEqualTo(PolicyException.Reason.WRONG_STATE);
                        assertThat(e.getMessage()).contains("appfs.1");
                    });
            assertThat(slots.current().slot("rootfs.1").state()).isEqualTo(SlotState.INSTALLED);
        }

        @Test
        void activatingRefusesAGroupWhoseFollowerWasMarkedBad() throws IOException {
            TestDevice d = withFollowers();
            DeviceSlots slots = d.slots();
            Candidate c = TestDevice.candidate("2.0.0", "rootfs", "appfs");
            for (String name : List.of("rootfs.1", "appfs.1")) {
                slots.markWriting(slots.select(name));
                slots.markInstalled(slots.select(name), c, "ab".repeat(32));
            }
            slots.markBad(slots.select("rootfs.1"), "by hand");
            slots.markWriting(slots.select("rootfs.1"));
            slots.markInstalled(slots.select("rootfs.1"), c, "ab".repeat(32));

            // appfs.1 still holds this bundle's image, checked, but it was marked bad: the group must not boot.
            assertThatThrownBy(() -> slots.activate(List.of(slots.select("rootfs.1"))))
                    .isInstanceOfSatisfying(PolicyException.class,
                            e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.WRONG_STATE))
                    .hasMessage("activate appfs.1: it is bad, not installed");
            assertThat(d.adapter().primary()).hasValue("A");
        }

        @Test
        void markingGoodRaisesTheTimeFloorToTheNewestImageOfTheGroup() throws IOException {
            DeviceSlots slots = withFollowers().slots();
            Instant older = Instant.parse("2026-11-21T10:00:00Z");
            Instant newer = Instant.parse("2026-12-01T10:00:00Z");
            slots.markWriting(slots.select("rootfs.1"));
            slots.markInstalled(slots.select("rootfs.1"), TestDevice.candidate("2.0.0", "rootfs"), "ab".repeat(32));
            slots.markWriting(slots.select("appfs.1"));
            slots.markInstalled(slots.select("appfs.1"), new Candidate(TestDevice.bundleId("2.1.0"), "test-device",
                    "2.1.0", 0, newer, List.of(new CandidateImage("appfs", "appfs", 4096))), "cd".repeat(32));
            assertThat(slots.current().slot("rootfs.1").created()).isEqualTo(older);

            slots.markGood(slots.select("rootfs.1"));

            assertThat(slots.current().timeFloor()).isEqualTo(newer);
        }

        @Test
        void activatingRefusesAGroupWithNothingInstalled() throws IOException {
            TestDevice d = device("");
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));
            d.reboot();
            d.bootCheck().run();
            DeviceSlots slots = d.slots();
            assertThat(slots.booted().name()).isEqualTo("rootfs.1");
            assertThat(slots.current().slot("rootfs.0").state()).isEqualTo(SlotState.GOOD);

            // A good group is no trial: there is nothing installed to try.
            refusedWith(PolicyException.Reason.WRONG_STATE, () -> slots.activate(List.of(slots.select("rootfs.0"))));
            assertThat(slots.current().slot("rootfs.0").state()).isEqualTo(SlotState.GOOD);
        }

        @Test
        void activatingRecordsTheBundleOnTrial() throws IOException {
            TestDevice d = device("");
            Candidate c = TestDevice.candidate("2.0.0", 1);

            d.installAndActivate(c);

            // Boot-check judges this bundle (failed-bundles) by this record, not by the slots' states.
            assertThat(d.slots().current().trialBundle()).isEqualTo(c.bundleId());
        }

        @Test
        void theBootedGroupIsNeverInstalledOrActivated() throws IOException {
            DeviceSlots slots = device("").slots();
            Candidate c = TestDevice.candidate("2.0.0", 1);

            refusedWith(PolicyException.Reason.TARGET_BOOTED, () -> slots.markInstalled(slots.booted(), c, "00"));
            refusedWith(PolicyException.Reason.TARGET_BOOTED, () -> slots.activate(List.of(slots.booted())));
        }

        @Test
        void aFollowerOnlyInstallBesideAGoodBootableSlotIsActivated() throws IOException {
            TestDevice d = withFollowers();

            Candidate appfs = d.activateAppfsOnlyBesideAGoodRootfs();

            // Nothing but the follower is installed: the good rootfs.0 goes on trial with it.
            DeviceSlots slots = d.slots();
            assertThat(slots.booted().name()).isEqualTo("rootfs.1");
            assertThat(slots.current().slot("rootfs.0").state()).isEqualTo(SlotState.PENDING);
            assertThat(slots.current().slot("appfs.0").state()).isEqualTo(SlotState.PENDING);
            assertThat(slots.current().trialBundle()).isEqualTo(appfs.bundleId());
            assertThat(d.adapter().primary()).hasValue("A");
        }

        @Test
        void markingGoodLeavesAFollowerThatHoldsNothingEmpty() throws IOException {
            DeviceSlots slots = withFollowers().slots();
            Slot rootfs = slots.select("rootfs.1");
            slots.markWriting(rootfs);
            slots.markInstalled(rootfs, TestDevice.candidate("2.0.0", 0), "ab".repeat(32));

            slots.markGood(rootfs);

            // Good means "booted and passed its checks with this content": a slot without content has none.
            assertThat(slots.current().slot("rootfs.1").state()).isEqualTo(SlotState.GOOD);
            assertThat(slots.current().slot("appfs.1").state()).isEqualTo(SlotState.EMPTY);
        }

        @Test
        void markingGoodRefusesABootableSlotThatHoldsNothing() throws IOException {
            DeviceSlots slots = device("").slots();
            assertThat(slots.current().slot("rootfs.1").state()).isEqualTo(SlotState.EMPTY);

            refusedWith(PolicyException.Reason.WRONG_STATE, () -> slots.markGood(slots.select("rootfs.1")));
        }
    }

    @Nested
    class Floors {

        @Test
        void aFactoryFreshDeviceStartsFromTheInitialFloor() throws IOException {
            DeviceSlots slots = device("[anti-rollback]\ninitial-floor = 3\n").slots();

            assertThat(slots.securityFloor()).isEqualTo(3);
        }

        @Test
        void theLargestCopyOfTheFloorCounts() throws IOException {
            DeviceSlots slots = device("[anti-rollback]\nversion-file = \"floor\"\n").slots();
            Files.writeString(dir.resolve("floor"), "9\n");

            assertThat(slots.securityFloor()).isEqualTo(9);
        }

        @Test
        void markingGoodRaisesTheFloorInStatusAndTheVersionFile() throws IOException {
            TestDevice d = device("[anti-rollback]\nversion-file = \"floor\"\n");
            d.installAndActivate(TestDevice.candidate("2.0.0", 6));
            d.reboot();

            d.bootCheck().run();

            assertThat(d.slots().current().securityFloor()).isEqualTo(6);
            assertThat(Files.readString(dir.resolve("floor")).trim()).isEqualTo("6");
            refusedWith(PolicyException.Reason.SECURITY_VERSION, () -> d.slots().checkInstall(
                    TestDevice.candidate("3.0.0", 5), new InstallOptions(true, true, true, true, false),
                    s -> TestDevice.SLOT_SIZE));
        }

        @Test
        void markingGoodLeavesAVersionFileThatAlreadyHoldsTheFloorUntouched() throws IOException {
            TestDevice d = device("[anti-rollback]\nversion-file = \"floor\"\n");
            Path floor = Files.writeString(dir.resolve("floor"), "6\n");
            Object inode = Files.readAttributes(floor, BasicFileAttributes.class).fileKey();
            d.installAndActivate(TestDevice.candidate("2.0.0", 6));
            d.reboot();

            d.bootCheck().run();

            // Each rewrite is a flash write and a window for a power cut: the same floor is not written again.
            assertThat(d.slots().current().securityFloor()).isEqualTo(6);
            assertThat(Files.readAttributes(floor, BasicFileAttributes.class).fileKey()).isEqualTo(inode);
            assertThat(Files.readString(floor)).isEqualTo("6\n");
        }

        @Test
        void markingGoodRaisesTheBootloadersFloorMirrorSoALostStatusFileCannotLowerTheFloor() throws IOException {
            TestDevice d = TestDevice.create(dir, "[bootloader-options]\ngrubenv = \"grubenv\"\n");
            Files.writeString(d.configFile, Files.readString(d.configFile)
                    .replace("bootloader = \"file\"", "bootloader = \"grub\""));
            DeviceSlots slots = withBootedA(d.config(), Clock.systemUTC());
            assertThat(slots.adapter()).isInstanceOf(GrubEnvAdapter.class);
            Slot b = slots.select("B");
            slots.markWriting(b);
            slots.markInstalled(b, TestDevice.candidate("2.0.0", 6), "ab".repeat(32));

            slots.markGood(b);

            assertThat(slots.adapter().securityFloor()).hasValue(6);
            Files.delete(d.dataDir.resolve("status.json"));
            assertThat(slots.current().securityFloor()).as("status lost").isZero();
            assertThat(slots.securityFloor()).isEqualTo(6);
        }

        @Test
        void activateRefusesAGroupThatFellBelowTheFloorSinceItWasInstalled() throws IOException {
            // Installed without activation at security-version 4; since then another copy of the floor rose to 9.
            TestDevice d = device("[anti-rollback]\nversion-file = \"floor\"\n");
            DeviceSlots slots = d.slots();
            Slot b = slots.select("other");
            slots.markWriting(b);
            slots.markInstalled(b, TestDevice.candidate("2.0.0", 4), "cd".repeat(32));
            Files.writeString(dir.resolve("floor"), "9\n");

            assertThatThrownBy(() -> slots.activate(List.of(b)))
                    .isInstanceOfSatisfying(PolicyException.class,
                            e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.SECURITY_VERSION))
                    .hasMessage("activate rootfs.1: security-version 4 is below this device's floor 9");
            assertThat(d.adapter().primary()).hasValue("A");
            assertThat(slots.current().slot("rootfs.1").state()).isEqualTo(SlotState.INSTALLED);
        }

        @Test
        void markActiveRefusesASlotBelowTheFloor() throws IOException {
            TestDevice d = device("");
            d.installAndActivate(TestDevice.candidate("2.0.0", 6));
            d.reboot();
            d.bootCheck().run();
            DeviceSlots slots = d.slots();

            assertThatThrownBy(() -> slots.markActive(slots.select("A")))
                    .isInstanceOfSatisfying(PolicyException.class,
                            e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.SECURITY_VERSION))
                    .hasMessageContaining("security-version unknown is below this device's floor 6");
        }
    }

    @Nested
    class ManualMarks {

        @Test
        void theLastSlotThatIsNotBadIsNeverMarkedBad() throws IOException {
            DeviceSlots slots = device("").slots();

            refusedWith(PolicyException.Reason.LAST_BOOTABLE_SLOT, () -> slots.markBad(slots.booted(), "by hand"));
        }

        @Test
        void markActiveOnTheBootedSlotCallsOffAPendingTrial() throws IOException {
            TestDevice d = device("");
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));
            DeviceSlots slots = d.slots();

            slots.markActive(slots.select("booted"));

            assertThat(d.adapter().primary()).hasValue("A");
            assertThat(slots.current().slot("rootfs.1").state()).isEqualTo(SlotState.INSTALLED);
            d.reboot();
            assertThat(d.bootCheck().run().fellBackFrom()).as("not mistaken for a fallback").isNull();
        }

        @Test
        void markActiveOnTheOtherSlotStartsATrial() throws IOException {
            TestDevice d = device("");
            // Security-version 0: the factory slot (of unknown security-version) stays at the floor.
            d.installAndActivate(TestDevice.candidate("2.0.0", 0));
            d.reboot();
            d.bootCheck().run();
            DeviceSlots slots = d.slots();

            slots.markActive(slots.select("other"));

            assertThat(d.adapter().primary()).hasValue("A");
            assertThat(slots.current().slot("rootfs.0").state()).isEqualTo(SlotState.PENDING);
            assertThat(d.reboot()).isEqualTo("A");
            assertThat(d.bootCheck().run().outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_GOOD);
        }

        @Test
        void markActiveRefusesASlotWhoseContentIsUnknown() throws IOException {
            DeviceSlots slots = device("").slots();

            refusedWith(PolicyException.Reason.WRONG_STATE, () -> slots.markActive(slots.select("other")));
        }
    }

    @Nested
    class Status {

        @Test
        void theReportShowsBootedPrimaryFallbackAndTheBootloadersView() throws IOException {
            TestDevice d = device("");
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));

            StatusReport r = d.slots().status();

            assertThat(r.booted()).isEqualTo("rootfs.0");
            assertThat(r.bootedEvidence()).isEqualTo("file bootloader");
            assertThat(r.primary()).isEqualTo("rootfs.1");
            assertThat(r.fallback()).isEqualTo("rootfs.0");
            assertThat(r.slots().get(1).state()).isEqualTo(SlotState.PENDING);
            assertThat(r.slots().get(1).bootloader()).isEqualTo(new StatusReport.BootloaderView(true, 1));
            assertThat(r.warnings()).anyMatch(w -> w.startsWith("no hardware watchdog running"));
        }

        @Test
        void theFallbackIsABootableSlotThatIsNotThePrimaryWhereverThePrimaryIsListed() throws IOException {
            TestDevice d = device("");
            d.installAndActivate(TestDevice.candidate("2.0.0", 0));
            d.reboot();
            d.bootCheck().run();
            DeviceSlots slots = d.slots();
            slots.markActive(slots.select("A"));

            StatusReport r = slots.status();

            assertThat(r.primary()).isEqualTo("rootfs.0");
            assertThat(r.fallback()).isEqualTo("rootfs.1");
            assertThat(r.warnings()).noneMatch(w -> w.contains("no bootable slot"));
        }

        @Test
        void aBootloaderWithNoBootableSlotIsWarnedOf() throws IOException {
            TestDevice d = device("");
            d.adapter().markBad("A");

            StatusReport r = d.slots().status();

            assertThat(r.primary()).isNull();
            assertThat(r.fallback()).isNull();
            assertThat(r.warnings()).contains("the bootloader has no bootable slot");
        }

        @Test
        void theJsonIsKebabCaseWithLowerCaseStates() throws IOException {
            String json = device("").slots().status().toJson();

            assertThat(json).contains("\"booted\" : \"rootfs.0\"", "\"state\" : \"good\"", "\"security-floor\" : 0",
                    "\"attempts-left\" : 1", "\"booted-evidence\" : \"file bootloader\"");
            assertThat(StatusStore.JSON.readTree(json).get("slots")).hasSize(2);
        }

        @Test
        void theTextNamesEverySlotAndEveryWarning() throws IOException {
            String text = device("").slots().status().toText();

            assertThat(text).contains("booted:         rootfs.0 (file bootloader)", "rootfs.0 (booted)",
                    "  state:     good", "rootfs.1\n", "  state:     empty", "warning: no hardware watchdog running",
                    "warning: bootloader = file is a simulation");
        }

        @Test
        void anActiveWatchdogSilencesTheWarning() throws IOException {
            Path dog = Files.createDirectories(dir.resolve("watchdog/watchdog0"));
            Files.writeString(dog.resolve("state"), "active\n");
            assertThat(WatchdogProbe.warning(dir.resolve("watchdog"))).isEmpty();
            Files.writeString(dog.resolve("state"), "inactive\n");
            assertThat(WatchdogProbe.warning(dir.resolve("watchdog"))).hasValueSatisfying(
                    w -> assertThat(w).startsWith("hardware watchdog watchdog0 is not running"));
        }
    }

    @Nested
    class Wiring {

        @Test
        void openWiresTheSlotsTheBootedSlotAndTheSimulatedBootsIdFromTheConfig() throws IOException {
            TestDevice d = device("");

            DeviceSlots slots = DeviceSlots.open(d.config(), "A");

            assertThat(slots.slots()).extracting(Slot::name).containsExactly("rootfs.0", "rootfs.1");
            assertThat(slots.booted().name()).isEqualTo("rootfs.0");
            // The file bootloader simulates boots: its boot id, not the kernel's, tells one boot from the next.
            assertThat(slots.bootId()).isEqualTo("file-boot-1");
            assertThat(slots.current().slot("rootfs.0").state()).isEqualTo(SlotState.GOOD);
        }

        @Test
        void aSlotIsSelectedByNameBootnameOrRoleAndAnUnknownNameIsRefused() throws IOException {
            DeviceSlots slots = device("").slots();

            assertThat(slots.select("rootfs.1")).isEqualTo(slots.select("B")).isEqualTo(slots.select("other"));
            assertThat(slots.select("booted").name()).isEqualTo("rootfs.0");
            assertThatThrownBy(() -> slots.select("C")).satisfies(reason(ConfigException.Reason.UNKNOWN_SLOT))
                    .hasMessage("no slot is named or has the bootname 'C'");
        }

        @Test
        void statusChangesAreStampedWithTheDevicesClock() throws IOException {
            Instant t = Instant.parse("2026-12-07T12:00:00Z");
            Clock clock = Clock.fixed(t, java.time.ZoneOffset.UTC);
            DeviceSlots slots = withBootedA(TestDevice.create(dir, "").config(), clock);

            slots.markWriting(slots.select("B"));

            assertThat(slots.clock()).isSameAs(clock);
            assertThat(slots.current().slot("rootfs.1").changed()).isEqualTo(t);
            assertThat(slots.current().slot("rootfs.1").bootId()).isEqualTo("boot-1");
        }

        @Test
        void theTargetsOfACandidateAreTheOtherGroupsSlotsOfItsClasses() throws IOException {
            DeviceSlots slots = device("").slots();

            assertThat(slots.targetsFor(TestDevice.candidate("2.0.0", 1)))
                    .extracting(t -> t.slot().name()).containsExactly("rootfs.1");
        }
    }

    @Nested
    class DataDir {

        @Test
        void aDataDirOnAFileSystemOutsideTheSlotsIsAccepted() {
            List<Slot> slots = List.of(new Slot("rootfs.0", "rootfs", "A", dir.resolve("a.img"), null));

            DeviceSlots.requireDataDirOutsideSlots(dir.resolve("data"), slots);
        }

        @Test
        void aDataDirOnABlockDeviceSlotIsRefused() throws Exception {
            org.junit.jupiter.api.Assumptions.assumeTrue(LoopDevice.onPath("mkfs.ext4"), "mkfs.ext4 not installed");
            try (LoopDevice loop = GptImage.attach(dir, false)) {
                Path p2 = Path.of(loop.device + "p2");
                LoopDevice.run("mkfs.ext4", "-q", p2.toString());
                Path mnt = Files.createDirectories(dir.resolve("mnt"));
                LoopDevice.run("mount", p2.toString(), mnt.toString());
                try {
                    Files.writeString(dir.resolve("keyring.pem"), "test keyring\n");
                    Path config = Files.writeString(dir.resolve("system.toml"), """
                            compatible = "test-device"
                            bootloader = "file"
                            data-dir = "%s"
                            keyring = "keyring.pem"
                            [slots."rootfs.0"]
                            device = "%sp1"
                            bootname = "A"
                            [slots."rootfs.1"]
                            device = "%s"
                            bootname = "B"
                            """.formatted(mnt.resolve("tandem"), loop.device, p2));

                    assertThatThrownBy(() -> DeviceSlots.open(SystemConfig.load(config), "A"))
                            .satisfies(reason(ConfigException.Reason.DATA_DIR_ON_SLOT))
                            .hasMessageContaining("rootfs.1");
                } finally {
                    LoopDevice.run("umount", mnt.toString());
                }
            }
        }
    }
}
