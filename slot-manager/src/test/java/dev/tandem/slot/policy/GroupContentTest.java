package dev.tandem.slot.policy;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.slot.Slot;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.SlotStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rule for offering a slot group to the bootloader, slot state by slot state. */
class GroupContentTest {

    private static final Instant T = Instant.parse("2026-11-21T10:00:00Z");
    private final Slot rootfs = new Slot("rootfs.1", "rootfs", "B", Path.of("/dev/b"), null);
    private final Slot appfs = new Slot("appfs.1", "appfs", null, Path.of("/dev/d"), "rootfs.1");
    private final List<Slot> group = List.of(rootfs, appfs);

    /** A slot written in full and checked with {@code bundle}'s image. */
    private static SlotStatus written(SlotState state, String bundle) {
        return new SlotStatus(state, "1.0.0-" + bundle, bundle, "ab".repeat(32), 1L, T, T, T, "x", 0, null);
    }

    private static DeviceStatus status(SlotStatus root, SlotStatus app) {
        return new DeviceStatus(DeviceStatus.FORMAT, 0, null, List.of(), Map.of("rootfs.1", root, "appfs.1", app));
    }

    private void bootable(SlotStatus root, SlotStatus app) {
        assertThatCode(() -> GroupContent.requireBootable("mark-active", group, status(root, app), 0))
                .doesNotThrowAnyException();
    }

    private void refused(PolicyException.Reason reason, SlotStatus root, SlotStatus app) {
        assertThatThrownBy(() -> GroupContent.requireBootable("mark-active", group, status(root, app), 0))
                .isInstanceOfSatisfying(PolicyException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void goodSlotsAndSlotsOfOneCheckedBundleMayBoot() {
        bootable(SlotStatus.of(SlotState.GOOD, T, "x"), SlotStatus.of(SlotState.GOOD, T, "x"));
        bootable(SlotStatus.of(SlotState.GOOD, T, "x"), written(SlotState.INSTALLED, "c"));
        bootable(written(SlotState.BAD, "a"), written(SlotState.BAD, "a"));
        bootable(written(SlotState.GOOD, "a"), written(SlotState.BAD, "c"));
    }

    @Test
    void aSlotNeverWrittenInFullIsRefused() {
        SlotStatus halfWritten = SlotStatus.of(SlotState.WRITING, T, "x").failed("marked bad by hand", T, "x");
        refused(PolicyException.Reason.WRONG_STATE, halfWritten, SlotStatus.of(SlotState.GOOD, T, "x"));
        refused(PolicyException.Reason.WRONG_STATE, SlotStatus.of(SlotState.GOOD, T, "x"),
                SlotStatus.of(SlotState.EMPTY, T, "x"));
    }

    @Test
    void aBadSlotBesideAnotherBundlesImageIsRefused() {
        assertThatThrownBy(() -> GroupContent.requireBootable("mark-active", group,
                status(written(SlotState.BAD, "a"), written(SlotState.INSTALLED, "c")), 0))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.MIXED_GROUP))
                .hasMessage("mark-active rootfs.1: slot rootfs.1 holds version 1.0.0-a (bad) and slot appfs.1"
                        + " version 1.0.0-c (installed) from another bundle; install a bundle that includes both");
    }
}
