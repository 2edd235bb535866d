package dev.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.state.FailedBundle;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.SlotStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Boot-check's verdict as the agent reads it, one row per combination of booted slot, boot and target state. */
class BootVerdictTest {

    static final ActionJournal ACTIVATED = ActionJournal.start("9").installing("b.tandem", false)
            .installed("rootfs.1", "bundle-2", "2.0.0").activated("boot-1");

    static DeviceStatus status(SlotState target, String bundle, String lastFailure, List<FailedBundle> failed) {
        SlotStatus t = new SlotStatus(target, "2.0.0", bundle, null, 0L, null, null, Instant.EPOCH, "boot-1", 1,
                lastFailure);
        return new DeviceStatus(DeviceStatus.FORMAT, 0, null, failed, Map.of("rootfs.0",
                SlotStatus.of(SlotState.GOOD, Instant.EPOCH, "boot-0"), "rootfs.1", t));
    }

    static BootVerdict verdict(String booted, String bootId, DeviceStatus st) {
        return BootVerdict.of(ACTIVATED, booted, bootId, st);
    }

    @Test
    void theNewSlotBootedAndMarkedGoodIsSuccess() {
        BootVerdict v = verdict("rootfs.1", "boot-2", status(SlotState.GOOD, "bundle-2", null, List.of()));
        assertThat(v.kind()).isEqualTo(BootVerdict.Kind.SUCCESS);
        assertThat(v.reason()).isEqualTo("booted rootfs.1 (version 2.0.0); boot-check marked it good");
    }

    @Test
    void theNewSlotStillOnTrialIsUndecided() {
        assertThat(verdict("rootfs.1", "boot-2", status(SlotState.PENDING, "bundle-2", null, List.of())).kind())
                .isEqualTo(BootVerdict.Kind.UNDECIDED);
    }

    @Test
    void theSameBootWithTheTargetPendingIsNotRebooted() {
        assertThat(verdict("rootfs.0", "boot-1", status(SlotState.PENDING, "bundle-2", null, List.of())).kind())
                .isEqualTo(BootVerdict.Kind.NOT_REBOOTED);
    }

    @Test
    void aFallbackIsAFailureWithBootChecksReason() {
        BootVerdict v = verdict("rootfs.0", "boot-3", status(SlotState.BAD, "bundle-2",
                "trial boot failed: command 'x' exited with 1", List.of()));
        assertThat(v.kind()).isEqualTo(BootVerdict.Kind.FAILURE);
        assertThat(v.reason()).isEqualTo("fell back to rootfs.0 from rootfs.1 (version 2.0.0): trial boot failed:"
                + " command 'x' exited with 1");
    }

    @Test
    void withoutASlotReasonTheFailedBundlesReasonIsUsed() {
        BootVerdict v = verdict("rootfs.0", "boot-3", status(SlotState.BAD, "bundle-2", null, List.of(
                new FailedBundle("bundle-2", "2.0.0", "rootfs.1", "fallback: it never reached boot-check",
                        Instant.EPOCH))));
        assertThat(v.reason()).endsWith(": fallback: it never reached boot-check");
    }

    @Test
    void afterARebootTheOldSlotWithTheTargetStillPendingIsUndecided() {
        assertThat(verdict("rootfs.0", "boot-2", status(SlotState.PENDING, "bundle-2", null, List.of())).kind())
                .as("boot-check has not recorded the fallback yet").isEqualTo(BootVerdict.Kind.UNDECIDED);
    }

    @Test
    void aTrialCalledOffBeforeTheRebootIsAFailure() {
        BootVerdict v = verdict("rootfs.0", "boot-1", status(SlotState.INSTALLED, "bundle-2", null, List.of()));
        assertThat(v.kind()).isEqualTo(BootVerdict.Kind.FAILURE);
        assertThat(v.reason()).contains("called off");
    }

    @Test
    void theNewSlotHoldingAnotherBundleIsAFailure() {
        assertThat(verdict("rootfs.1", "boot-2", status(SlotState.GOOD, "bundle-3", null, List.of())).kind())
                .isEqualTo(BootVerdict.Kind.FAILURE);
    }

    @Test
    void theNewSlotMarkedBadWhileBootedIsAFailure() {
        BootVerdict v = verdict("rootfs.1", "boot-2", status(SlotState.BAD, "bundle-2", "trial boot failed: x",
                List.of()));
        assertThat(v.kind()).isEqualTo(BootVerdict.Kind.FAILURE);
        assertThat(v.reason()).endsWith("trial boot failed: x");
    }
}
