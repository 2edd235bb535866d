package dev.tandem.slot.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.slot.Slot;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.state.FailedBundle;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.SlotStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The policy matrix: one test per refusal reason, and the flags that do (and do not) override them. */
class InstallPolicyTest {

    private static final Instant T = Instant.parse("2026-11-21T10:00:00Z");
    private static final long SIZE = 1 << 20;

    private final Slot a = new Slot("rootfs.0", "rootfs", "A", Path.of("/dev/a"), null);
    private final Slot b = new Slot("rootfs.1", "rootfs", "B", Path.of("/dev/b"), null);
    private final Slot appB = new Slot("appfs.1", "appfs", null, Path.of("/dev/d"), "rootfs.1");

    private InstallPolicy policy(SlotState bootedState, String bootedVersion, long floor, Set<String> failed) {
        return policy(bootedState, bootedVersion, floor, failed, SlotState.GOOD);
    }

    /** The target group (rootfs.1, appfs.1) in {@code targetState}. */
    private InstallPolicy policy(SlotState bootedState, String bootedVersion, long floor, Set<String> failed,
                                 SlotState targetState) {
        return policy(bootedState, bootedVersion, floor, failed, targetState, floor);
    }

    /** The target group in {@code targetState}, holding an older bundle of {@code targetSecurityVersion}. */
    private InstallPolicy policy(SlotState bootedState, String bootedVersion, long floor, Set<String> failed,
                                 SlotState targetState, long targetSecurityVersion) {
        SlotStatus booted = new SlotStatus(bootedState, bootedVersion, null, null, null, null, null, T, "x", 0, null);
        SlotStatus target = new SlotStatus(targetState, "1.0.0", "id-1.0.0", "00", targetSecurityVersion, T, T, T, "x",
                0, null);
        DeviceStatus status = new DeviceStatus(DeviceStatus.FORMAT, floor, null,
                failed.stream().map(id -> new FailedBundle(id, null, b.name(), "trial failed", T)).toList(),
                Map.of(a.name(), booted, b.name(), target, appB.name(), target));
        return new InstallPolicy("acme", a, status, floor, List.of(b, appB));
    }

    private InstallPolicy policy() {
        return policy(SlotState.GOOD, "2.0.0", 5, Set.of());
    }

    private static Candidate candidate(String compatible, String version, long securityVersion,
                                       CandidateImage... images) {
        return new Candidate("id-" + version, compatible, version, securityVersion, T, List.of(images));
    }

    private static Candidate candidate(String version) {
        return candidate("acme", version, 5, new CandidateImage("rootfs", "rootfs", 4096));
    }

    private static void refusedWith(PolicyException.Reason reason, Runnable check) {
        assertThatThrownBy(check::run).isInstanceOfSatisfying(PolicyException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static final InstallOptions NONE = InstallOptions.defaults();
    private static final InstallOptions ALL_BUT_FORCE = new InstallOptions(false, true, true, true, false);
    private static final InstallOptions EVERYTHING = new InstallOptions(true, true, true, true, true);

    @Test
    void aNewerCompatibleBundleGoesToTheOtherSlotOfEachClass() {
        List<ImageTarget> targets = policy().check(candidate("acme", "2.1.0", 5,
                new CandidateImage("rootfs", "rootfs", 4096), new CandidateImage("app", "appfs", SIZE)), NONE, s -> SIZE);

        assertThat(targets).extracting(t -> t.slot().name()).containsExactly("rootfs.1", "appfs.1");
    }

    @Test
    void anotherCompatibleIsRefusedWhateverTheFlags() {
        refusedWith(PolicyException.Reason.INCOMPATIBLE, () -> policy().check(
                candidate("other", "2.1.0", 5, new CandidateImage("rootfs", "rootfs", 1)), EVERYTHING, s -> SIZE));
    }

    @Test
    void aSecurityVersionBelowTheFloorIsRefusedWhateverTheFlags() {
        refusedWith(PolicyException.Reason.SECURITY_VERSION, () -> policy().check(
                candidate("acme", "3.0.0", 4, new CandidateImage("rootfs", "rootfs", 1)), EVERYTHING, s -> SIZE));
    }

    @Test
    void aBootedSlotThatIsNotGoodIsRefusedUnlessForced() {
        InstallPolicy p = policy(SlotState.PENDING, "2.0.0", 5, Set.of());

        refusedWith(PolicyException.Reason.BOOTED_NOT_GOOD, () -> p.check(candidate("2.1.0"), ALL_BUT_FORCE, s -> SIZE));
        assertThat(p.check(candidate("2.1.0"), new InstallOptions(true, false, false, false, false), s -> SIZE))
                .hasSize(1);
    }

    @Test
    void aBundleThatFailedBeforeIsRefusedUnlessRetried() {
        InstallPolicy p = policy(SlotState.GOOD, "2.0.0", 5, Set.of("id-2.1.0"));

        refusedWith(PolicyException.Reason.FAILED_BUNDLE, () -> p.check(candidate("2.1.0"), NONE, s -> SIZE));
        assertThat(p.check(candidate("2.1.0"), new InstallOptions(false, false, false, true, false), s -> SIZE))
                .hasSize(1);
    }

    @Test
    void aFailedBundleIsNamedByItsIdCutAfterTwelveCharacters() {
        // Ids of 12 and 13 characters ("id-" + the version): the first is shown whole, the second cut.
        InstallPolicy p = policy(SlotState.GOOD, "2.0.0", 5, Set.of("id-2.1.0-rc1", "id-2.1.0-rc12"));

        assertThatThrownBy(() -> p.check(candidate("2.1.0-rc1"), NONE, s -> SIZE))
                .hasMessage("policy: bundle id-2.1.0-rc1 (version 2.1.0-rc1) failed on this device before"
                        + " (--retry to try again)");
        assertThatThrownBy(() -> p.check(candidate("2.1.0-rc12"), NONE, s -> SIZE))
                .hasMessage("policy: bundle id-2.1.0-rc1\u2026 (version 2.1.0-rc12) failed on this device before"
                        + " (--retry to try again)");
    }

    @Test
    void theSameVersionIsRefusedUnlessReinstalling() {
        refusedWith(PolicyException.Reason.REINSTALL, () -> policy().check(candidate("2.0.0+other-build"), NONE,
                s -> SIZE));
        assertThat(policy().check(candidate("2.0.0"), new InstallOptions(false, true, false, false, false), s -> SIZE))
                .hasSize(1);
    }

    @Test
    void aLowerVersionIsRefusedUnlessDowngradesAreAllowed() {
        refusedWith(PolicyException.Reason.DOWNGRADE, () -> policy().check(candidate("2.0.0-rc.1"),
                new InstallOptions(false, true, false, false, false), s -> SIZE));
        assertThat(policy().check(candidate("1.9.0"), new InstallOptions(false, false, true, false, false), s -> SIZE))
                .hasSize(1);
    }

    @Test
    void aBootedSlotOfUnknownVersionTakesAnyVersion() {
        assertThat(policy(SlotState.GOOD, null, 0, Set.of()).check(candidate("0.0.1"), NONE, s -> SIZE)).hasSize(1);
    }

    @Test
    void aMalformedVersionIsRefused() {
        refusedWith(PolicyException.Reason.INCOMPATIBLE, () -> policy().check(candidate("2.1"), EVERYTHING, s -> SIZE));
    }

    @Test
    void anImageWithoutATargetClassIsRefused() {
        refusedWith(PolicyException.Reason.NO_TARGET, () -> policy().check(candidate("acme", "2.1.0", 5,
                new CandidateImage("boot", "bootfs", 1)), EVERYTHING, s -> SIZE));
    }

    @Test
    void twoImagesForOneSlotAreRefused() {
        refusedWith(PolicyException.Reason.NO_TARGET, () -> policy().check(candidate("acme", "2.1.0", 5,
                new CandidateImage("r1", "rootfs", 1), new CandidateImage("r2", "rootfs", 1)), EVERYTHING, s -> SIZE));
    }

    @Test
    void anImageLargerThanItsSlotIsRefused() {
        assertThatThrownBy(() -> policy().check(candidate("acme", "2.1.0", 5,
                new CandidateImage("rootfs", "rootfs", SIZE + 1)), EVERYTHING, s -> SIZE))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.TOO_SMALL))
                .hasMessage("policy: image rootfs (1048577 bytes) does not fit slot rootfs.1 (1048576 bytes)");
    }

    @Test
    void aTargetGroupThatContainsTheBootedSlotIsRefused() {
        InstallPolicy wrong = new InstallPolicy("acme", a, new DeviceStatus(DeviceStatus.FORMAT, 0, null, List.of(),
                Map.of(a.name(), SlotStatus.of(SlotState.GOOD, T, "x"))), 0, List.of(a));

        refusedWith(PolicyException.Reason.TARGET_BOOTED, () -> wrong.check(candidate("2.1.0"), EVERYTHING, s -> SIZE));
    }

    @Test
    void aBundleThatLeavesABadSlotOfTheTargetGroupUnwrittenIsRefusedWhateverTheFlags() {
        InstallPolicy badTargets = policy(SlotState.GOOD, "2.0.0", 5, Set.of(), SlotState.BAD);

        assertThatThrownBy(() -> badTargets.check(candidate("acme", "2.1.0", 5,
                new CandidateImage("app", "appfs", 4096)), EVERYTHING, s -> SIZE))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.MIXED_GROUP))
                .hasMessage("policy: slot rootfs.1 is bad and this bundle does not write it; install a bundle that"
                        + " includes rootfs");
        assertThat(badTargets.check(candidate("acme", "2.1.0", 5, new CandidateImage("rootfs", "rootfs", 4096),
                new CandidateImage("app", "appfs", 4096)), NONE, s -> SIZE)).hasSize(2);
    }

    @Test
    void aBundleForOneClassBesideAGoodSlotBelowTheFloorIsRefusedWhateverTheFlags() {
        // rootfs.1 was good at security-version 3, before a newer bundle raised the floor to 5: an appfs-only
        // bundle of security-version 5 would boot that old rootfs again.
        InstallPolicy oldTargets = policy(SlotState.GOOD, "2.0.0", 5, Set.of(), SlotState.GOOD, 3);

        assertThatThrownBy(() -> oldTargets.check(candidate("acme", "2.1.0", 5,
                new CandidateImage("app", "appfs", 4096)), EVERYTHING, s -> SIZE))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.SECURITY_VERSION))
                .hasMessage("policy: slot rootfs.1 holds security-version 3, below this device's floor 5, and this"
                        + " bundle does not write it; install a bundle that includes rootfs");
        assertThat(oldTargets.check(candidate("acme", "2.1.0", 5, new CandidateImage("rootfs", "rootfs", 4096),
                new CandidateImage("app", "appfs", 4096)), NONE, s -> SIZE)).hasSize(2);
    }

    @Test
    void aBundleForOneClassBesideGoodSlotsOfTheOthersIsAccepted() {
        assertThat(policy().check(candidate("acme", "2.1.0", 5, new CandidateImage("app", "appfs", 4096)), NONE,
                s -> SIZE)).extracting(t -> t.slot().name()).containsExactly("appfs.1");
    }
}
