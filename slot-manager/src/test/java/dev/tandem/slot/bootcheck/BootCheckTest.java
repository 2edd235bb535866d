package dev.tandem.slot.bootcheck;

import dev.tandem.slot.state.TestDevice;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.state.FailedBundle;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.SlotStatus;
import dev.tandem.slot.state.StatusStore;
import dev.tandem.slot.policy.Candidate;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.PolicyException;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.boot.FileAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every rule of the boot-time contract (ARCHITECTURE.md §6), driven through the file bootloader's simulated boots. */
class BootCheckTest {

    @TempDir
    Path dir;

    private TestDevice device(String health) throws IOException {
        TestDevice d = TestDevice.create(dir, health);
        d.reboot();
        return d;
    }

    private static SlotState state(TestDevice d, String slot) {
        return d.slots().current().slot(slot).state();
    }

    @Nested
    class WhenTheBootedSlotIsGood {

        @Test
        void aFactoryFreshDeviceRecordsItsBootedSlotGoodAndRearmsIt() throws IOException {
            TestDevice d = device("");
            FileAdapter adapter = d.adapter();
            assertThat(adapter.state("A").attemptsLeft()).as("the boot spent the counter").isZero();

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.STAYED_GOOD);
            assertThat(r.reason()).isEqualTo("healthy");
            assertThat(r.notes()).isEmpty();
            assertThat(adapter.state("A").attemptsLeft()).isEqualTo(1);
            assertThat(Files.exists(d.dataDir.resolve("status.json"))).isTrue();
            assertThat(state(d, "rootfs.0")).isEqualTo(SlotState.GOOD);
            assertThat(state(d, "rootfs.1")).isEqualTo(SlotState.EMPTY);
        }

        @Test
        void aFailingHealthCheckIsOnlyReportedWithoutFallbackFromGood() throws IOException {
            TestDevice d = device("[health]\ncommands = [\"echo disk full; false\"]\n");

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.UNHEALTHY_REPORTED);
            assertThat(r.reason()).contains("exited 1: disk full");
            assertThat(state(d, "rootfs.0")).isEqualTo(SlotState.GOOD);
            assertThat(d.rebootCommandRan()).isFalse();
        }

        @Test
        void aFailingHealthCheckWithFallbackFromGoodMarksItBadWhenTheOtherIsGood() throws IOException {
            TestDevice d = device("");
            d.bootCheck().run();
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));
            assertThat(d.reboot()).isEqualTo("B");
            assertThat(d.bootCheck().run().outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_GOOD);
            Files.writeString(d.configFile, Files.readString(d.configFile)
                    + "[health]\ncommands = [\"false\"]\nfallback-from-good = true\n");

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_BAD);
            assertThat(state(d, "rootfs.1")).isEqualTo(SlotState.BAD);
            assertThat(d.rebootCommandRan()).isTrue();
            assertThat(d.reboot()).as("the bootloader falls back").isEqualTo("A");
        }

        @Test
        void fallbackFromGoodKeepsTheSlotWhenTheOtherIsNotGood() throws IOException {
            TestDevice d = device("[health]\ncommands = [\"false\"]\nfallback-from-good = true\n");

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.UNHEALTHY_REPORTED);
            assertThat(r.reason()).contains("not falling back: rootfs.1 is empty");
            assertThat(state(d, "rootfs.0")).isEqualTo(SlotState.GOOD);
        }

        @Test
        void aSlotActivatedInThisBootIsNotTakenForAFallback() throws IOException {
            TestDevice d = device("");
            d.bootCheck().run();
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.STAYED_GOOD);
            assertThat(r.fellBackFrom()).isNull();
            assertThat(state(d, "rootfs.1")).isEqualTo(SlotState.PENDING);
        }

        @Test
        void aSlotActivatedInAnEarlierBootMeansTheBootloaderFellBack() throws IOException {
            TestDevice d = device("");
            Path hookOut = dir.resolve("fallback.env");
            Path hook = d.script("on-fallback.sh", "env | grep ^TANDEM_ | sort > '" + hookOut + "'");
            Files.writeString(d.configFile, Files.readString(d.configFile) + "[hooks]\non-fallback = \"" + hook + "\"\n");
            d.bootCheck().run();
            Candidate c = TestDevice.candidate("2.0.0", 1);
            d.installAndActivate(c);
            assertThat(d.reboot()).as("trial boot, which hangs before boot-check").isEqualTo("B");
            assertThat(d.reboot()).as("the bootloader falls back").isEqualTo("A");

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.STAYED_GOOD);
            assertThat(r.fellBackFrom()).isEqualTo("rootfs.1");
            assertThat(r.reason()).isEqualTo("fell back from rootfs.1; healthy");
            assertThat(r.notes()).as("the hook succeeded").isEmpty();
            DeviceStatus st = d.slots().current();
            assertThat(st.slot("rootfs.1").state()).isEqualTo(SlotState.BAD);
            assertThat(st.slot("rootfs.1").lastFailure()).contains("never reached boot-check");
            assertThat(st.failedBundles()).extracting(FailedBundle::bundleId).containsExactly(c.bundleId());
            assertThat(Files.readAllLines(hookOut)).contains("TANDEM_HOOK=on-fallback", "TANDEM_SLOT=rootfs.1",
                    "TANDEM_BOOTNAME=B", "TANDEM_BUNDLE_ID=" + c.bundleId(), "TANDEM_VERSION=2.0.0",
                    "TANDEM_COMPATIBLE=test-device");
            assertThat(Files.readString(hookOut)).contains("TANDEM_REASON=fallback: rootfs.1");
            assertThat(d.adapter().state("A").attemptsLeft()).as("re-armed").isEqualTo(1);
        }

        @Test
        void aFailingOnFallbackHookIsNotedAndTheFallbackStillRecorded() throws IOException {
            TestDevice d = device("");
            Path hook = d.script("on-fallback.sh", "echo cannot reach the fleet server >&2; exit 4");
            Files.writeString(d.configFile, Files.readString(d.configFile) + "[hooks]\non-fallback = \"" + hook + "\"\n");
            d.bootCheck().run();
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));
            d.reboot();
            d.reboot();

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.fellBackFrom()).isEqualTo("rootfs.1");
            assertThat(r.notes()).singleElement().asString().contains("on-fallback", "cannot reach the fleet server");
            assertThat(state(d, "rootfs.1")).isEqualTo(SlotState.BAD);
        }

        @Test
        void theFailedBundleIsThenRefusedUnlessRetried() throws IOException {
            TestDevice d = device("");
            d.bootCheck().run();
            Candidate c = TestDevice.candidate("2.0.0", 1);
            d.installAndActivate(c);
            d.reboot();
            d.reboot();
            d.bootCheck().run();

            DeviceSlots slots = d.slots();
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                            slots.checkInstall(c, InstallOptions.defaults(), s -> TestDevice.SLOT_SIZE))
                    .isInstanceOfSatisfying(PolicyException.class,
                            e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.FAILED_BUNDLE));
            assertThat(slots.checkInstall(c, new InstallOptions(false, false, false, true, false),
                    s -> TestDevice.SLOT_SIZE)).hasSize(1);
        }
    }

    @Nested
    class WhenTheBootedSlotIsOnTrial {

        @Test
        void aHealthySlotIsMarkedGoodAndTheOtherStaysAsFallback() throws IOException {
            TestDevice d = device("[health]\ncommands = [\"true\"]\n");
            Path hookOut = dir.resolve("good.env");
            Path hook = d.script("post-mark-good.sh", "echo \"$TANDEM_SLOT $TANDEM_VERSION\" > '" + hookOut + "'");
            Files.writeString(d.configFile, Files.readString(d.configFile) + "[hooks]\npost-mark-good = \"" + hook + "\"\n");
            d.bootCheck().run();
            d.installAndActivate(TestDevice.candidate("2.0.0", 7));
            assertThat(d.reboot()).isEqualTo("B");

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_GOOD);
            assertThat(r.notes()).as("the hook succeeded").isEmpty();
            DeviceStatus st = d.slots().current();
            assertThat(st.slot("rootfs.1").state()).isEqualTo(SlotState.GOOD);
            assertThat(st.slot("rootfs.1").bootAttempts()).isEqualTo(1);
            assertThat(st.slot("rootfs.0").state()).isEqualTo(SlotState.GOOD);
            assertThat(st.securityFloor()).isEqualTo(7);
            assertThat(st.timeFloor()).isEqualTo(Instant.parse("2026-11-21T10:00:00Z"));
            assertThat(d.adapter().primary()).hasValue("B");
            assertThat(d.adapter().state("A").bootable()).as("A stays as fallback").isTrue();
            assertThat(Files.readString(hookOut).trim()).isEqualTo("rootfs.1 2.0.0");
            assertThat(d.reboot()).as("the committed slot keeps booting").isEqualTo("B");
        }

        @Test
        void aFailingPostMarkGoodHookIsNotedAndTheSlotStaysGood() throws IOException {
            TestDevice d = device("");
            Path hook = d.script("post-mark-good.sh", "echo inventory upload failed >&2; exit 2");
            Files.writeString(d.configFile, Files.readString(d.configFile) + "[hooks]\npost-mark-good = \"" + hook + "\"\n");
            d.bootCheck().run();
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));
            d.reboot();

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_GOOD);
            assertThat(r.notes()).singleElement().asString().contains("post-mark-good", "inventory upload failed");
            assertThat(state(d, "rootfs.1")).isEqualTo(SlotState.GOOD);
        }

        @Test
        void anAppfsOnlyBundleThatFailsItsTrialIsTheOneRecordedNotTheGoodRootfsBeside() throws IOException {
            TestDevice d = TestDevice.withFollowers(dir, "");
            d.reboot();
            d.bootCheck().run();
            Candidate appfs = d.activateAppfsOnlyBesideAGoodRootfs();
            Files.writeString(d.configFile, Files.readString(d.configFile) + "[health]\ncommands = [\"false\"]\n");
            assertThat(d.reboot()).isEqualTo("A");

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_BAD);
            DeviceStatus st = d.slots().current();
            assertThat(st.failedBundles()).extracting(FailedBundle::bundleId).containsExactly(appfs.bundleId());
            assertThat(st.failedBundles()).extracting(FailedBundle::version).containsExactly("2.1.0");
        }

        @Test
        void theVerdictIsHandedOnBeforeTheRebootCommandRuns() throws IOException {
            TestDevice d = device("");
            d.bootCheck().run();
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));
            Files.writeString(d.configFile, Files.readString(d.configFile) + "[health]\ncommands = [\"false\"]\n");
            d.reboot();
            List<BootCheckResult> seen = new java.util.ArrayList<>();
            List<Boolean> rebootedYet = new java.util.ArrayList<>();
            var config = d.config();

            BootCheckResult r = new BootCheck(d.slots(), HealthCheck.system(config.health()),
                    new dev.tandem.slot.Hooks(config.hooks(), config.compatible(), config.dataDir()), v -> {
                        seen.add(v);
                        rebootedYet.add(d.rebootCommandRan());
                    }).run();

            // Under systemd the reboot command stops boot-check at once: the verdict must be out before it runs.
            assertThat(seen).singleElement().satisfies(v -> {
                assertThat(v.outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_BAD);
                assertThat(v.rebooting()).isTrue();
                assertThat(v.reason()).isEqualTo(r.reason());
            });
            assertThat(rebootedYet).containsExactly(false);
            assertThat(d.rebootCommandRan()).isTrue();
        }

        @Test
        void aRebootCommandThatFailsIsNoted() throws IOException {
            TestDevice d = device("");
            d.bootCheck().run();
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));
            Files.writeString(d.configFile, Files.readString(d.configFile)
                    .replaceFirst("reboot-command = .*\n", "reboot-command = \"echo not allowed >&2; exit 5\"\n")
                    + "[health]\ncommands = [\"false\"]\n");
            d.reboot();

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_BAD);
            assertThat(r.notes()).singleElement().asString()
                    .startsWith("reboot command 'echo not allowed >&2; exit 5' ").contains("not allowed");
        }

        @Test
        void anUnhealthySlotIsMarkedBadItsBundleRecordedAndTheDeviceRebooted() throws IOException {
            TestDevice d = device("");
            d.bootCheck().run();
            Candidate c = TestDevice.candidate("2.0.0", 1);
            d.installAndActivate(c);
            Files.writeString(d.configFile, Files.readString(d.configFile)
                    + "[health]\ncommands = [\"true\", \"echo no network >&2; exit 3\"]\n");
            assertThat(d.reboot()).isEqualTo("B");

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_BAD);
            assertThat(r.rebooting()).isTrue();
            assertThat(r.reason()).contains("exited 3: no network");
            assertThat(r.notes()).as("the reboot command succeeded").isEmpty();
            assertThat(d.rebootCommandRan()).isTrue();
            DeviceStatus st = d.slots().current();
            assertThat(st.slot("rootfs.1").state()).isEqualTo(SlotState.BAD);
            assertThat(st.failedBundles()).extracting(FailedBundle::bundleId).containsExactly(c.bundleId());
            assertThat(d.reboot()).isEqualTo("A");
            BootCheckResult after = d.bootCheck().run();
            assertThat(after.outcome()).isEqualTo(BootCheckResult.Outcome.UNHEALTHY_REPORTED);
            assertThat(after.fellBackFrom()).as("already marked bad, not a silent fallback").isNull();
        }

        @Test
        void aHealthCheckThatHangsFailsAfterItsTimeout() throws IOException {
            TestDevice d = device("");
            d.bootCheck().run();
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));
            Files.writeString(d.configFile, Files.readString(d.configFile)
                    + "[health]\ncommands = [\"sleep 60\"]\ntimeout = 1\n");
            d.reboot();

            long start = System.nanoTime();
            BootCheckResult r = d.bootCheck().run();

            // About 1 s here (the timeout); 60 s if the check were waited for. The bound leaves a loaded machine
            // room (it was 4 s against a 5 s sleep).
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(30_000);
            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_BAD);
            assertThat(r.reason()).contains("'sleep 60' timed out after 1 s");
        }

        @Test
        void anUnhealthySlotIsKeptWhenTheOtherIsBad() throws IOException {
            TestDevice d = device("");
            d.bootCheck().run();
            d.installAndActivate(TestDevice.candidate("2.0.0", 1));
            d.reboot();
            StatusStore store = StatusStore.in(d.dataDir);
            DeviceStatus st = store.read().orElseThrow();
            store.save(st.withSlot("rootfs.0", st.slot("rootfs.0").failed("broken by test", Instant.now(), "x")));
            Files.writeString(d.configFile, Files.readString(d.configFile) + "[health]\ncommands = [\"false\"]\n");

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.KEPT_LAST_SLOT);
            assertThat(state(d, "rootfs.1")).isEqualTo(SlotState.PENDING);
            assertThat(d.adapter().state("B").attemptsLeft()).as("re-armed so it keeps booting").isEqualTo(1);
            assertThat(d.rebootCommandRan()).isFalse();
        }
    }

    @Test
    void aPendingFactoryResetIsReportedFirstWithoutChangingTheVerdict() throws IOException {
        TestDevice d = device("");
        Files.createDirectories(d.dataDir);
        Files.writeString(d.dataDir.resolve(FactoryReset.REQUEST_FILE), "{}");

        BootCheckResult r = d.bootCheck().run();

        // No [factory-reset] data-partition configured: refused, and the request stays for the next boot.
        assertThat(r.notes()).singleElement().asString().startsWith("factory reset not done (");
        assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.STAYED_GOOD);
        assertThat(r.reason()).isEqualTo("healthy");
        assertThat(d.dataDir.resolve(FactoryReset.REQUEST_FILE)).exists();
    }

    @Nested
    class WhenTheBootedSlotIsUnusable {

        @Test
        void aBootedWritingSlotIsMarkedBadAndTheDeviceRebootedWhenTheOtherIsGood() throws IOException {
            TestDevice d = device("");
            d.bootCheck().run();
            DeviceSlots slots = d.slots();
            slots.markWriting(slots.select("other"));
            d.adapter().setTryOnce("B");
            assertThat(d.reboot()).isEqualTo("B");

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_BAD);
            assertThat(r.reason()).isEqualTo("booted slot rootfs.1 is writing");
            assertThat(state(d, "rootfs.1")).isEqualTo(SlotState.BAD);
            assertThat(d.slots().current().slot("rootfs.1").lastFailure()).isEqualTo("booted slot rootfs.1 is writing");
            assertThat(d.rebootCommandRan()).isTrue();
            assertThat(d.reboot()).isEqualTo("A");
        }

        @Test
        void aBootedBadSlotIsNamedWithItsFailureAndKeepsThatFailure() throws IOException {
            TestDevice d = device("");
            d.bootCheck().run();
            DeviceSlots slots = d.slots();
            slots.markBad(slots.select("other"), "by hand: broken display driver");
            d.adapter().setTryOnce("B");
            assertThat(d.reboot()).isEqualTo("B");

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.MARKED_BAD);
            assertThat(r.reason()).isEqualTo("booted slot rootfs.1 is bad (by hand: broken display driver)");
            assertThat(d.slots().current().slot("rootfs.1").lastFailure()).as("the first failure, not wrapped")
                    .isEqualTo("by hand: broken display driver");
        }

        @Test
        void aBootedEmptySlotIsKeptWhenTheOtherIsNotGoodEither() throws IOException {
            TestDevice d = device("");
            StatusStore store = StatusStore.in(d.dataDir);
            Instant now = Instant.now();
            store.save(new DeviceStatus(1, 0, null, List.of(), java.util.Map.of(
                    "rootfs.0", SlotStatus.of(SlotState.EMPTY, now, "x"),
                    "rootfs.1", SlotStatus.of(SlotState.BAD, now, "x"))));

            BootCheckResult r = d.bootCheck().run();

            assertThat(r.outcome()).isEqualTo(BootCheckResult.Outcome.KEPT_LAST_SLOT);
            assertThat(r.reason()).contains("rootfs.1 is not good either");
            assertThat(state(d, "rootfs.0")).isEqualTo(SlotState.EMPTY);
            assertThat(d.adapter().state("A").attemptsLeft()).isEqualTo(1);
            assertThat(d.rebootCommandRan()).isFalse();
        }
    }
}
