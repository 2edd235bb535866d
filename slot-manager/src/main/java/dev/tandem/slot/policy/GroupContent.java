package dev.tandem.slot.policy;

import dev.tandem.slot.state.SlotStatus;
import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.Slot;
import dev.tandem.slot.state.SlotState;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Whether a slot group may be offered to the bootloader: the one rule behind install, {@code activate} and
 * {@code mark-active}. A group boots as a whole (the bootloader picks its bootable slot; the others follow it), so
 * every slot of it must hold content that is known to belong there:
 * <ul>
 *   <li>a slot is {@code good} (it booted and passed its health checks in this group), or</li>
 *   <li>its image was written in full and checked (status records the image hash), and every slot of the group
 *       that is not {@code good} holds the same bundle.</li>
 * </ul>
 * A half-written slot (an install interrupted, then marked bad) has no image hash and never boots; a slot left
 * {@code bad} by one bundle never boots beside another bundle's image. And no slot of the group, {@code good} ones
 * included, is below the anti-rollback floor: a bundle for some classes must not bring back an old, vulnerable
 * rootfs that was good before the floor rose.
 */
public final class GroupContent {

    private GroupContent() {
    }

    /**
     * Before an install writes anything: after it, each slot of {@code group} must hold this bundle's image (it is
     * in {@code written}) or be {@code good}.
     *
     * @throws PolicyException {@code MIXED_GROUP}, naming the slot in the way
     */
    public static void requireCompleteAfterInstall(List<Slot> group, Set<String> written, DeviceStatus status, long floor) {
        for (Slot s : group) {
            SlotStatus ss = status.slot(s.name());
            if (written.contains(s.name())) {
                continue;
            }
            if (ss.state() != SlotState.GOOD) {
                throw new PolicyException(PolicyException.Reason.MIXED_GROUP, "policy: slot " + s.name() + " is "
                        + ss.state().jsonName() + " and this bundle does not write it; install a bundle that includes "
                        + s.slotClass());
            }
            if (securityVersion(ss) < floor) {
                throw new PolicyException(PolicyException.Reason.SECURITY_VERSION, "policy: slot " + s.name()
                        + " holds security-version " + describeSecurityVersion(ss) + ", below this device's floor "
                        + floor + ", and this bundle does not write it; install a bundle that includes "
                        + s.slotClass());
            }
        }
    }

    /**
     * Before try-once is set on {@code group} by {@code operation}.
     *
     * @throws PolicyException {@code WRONG_STATE} for a slot whose content was never written in full and checked,
     *                         {@code MIXED_GROUP} for two slots that are not good and hold different bundles,
     *                         {@code SECURITY_VERSION} for a slot below {@code floor}
     */
    public static void requireBootable(String operation, List<Slot> group, DeviceStatus status, long floor) {
        Slot first = null;
        for (Slot s : group) {
            SlotStatus ss = status.slot(s.name());
            if (ss.state() == SlotState.GOOD) {
                continue;
            }
            if (ss.imageSha256() == null) {
                throw new PolicyException(PolicyException.Reason.WRONG_STATE, operation + " " + s.name() + ": it is "
                        + ss.state().jsonName() + " and its content was never written in full and checked"
                        + (ss.state() == SlotState.EMPTY ? "" : " (an interrupted install?)")
                        + "; install a bundle into it first");
            }
            if (first == null) {
                first = s;
            } else if (!Objects.equals(ss.bundleId(), status.slot(first.name()).bundleId())) {
                SlotStatus fs = status.slot(first.name());
                throw new PolicyException(PolicyException.Reason.MIXED_GROUP, operation + " " + group.get(0).name()
                        + ": slot " + first.name() + " holds version " + fs.version() + " (" + fs.state().jsonName()
                        + ") and slot " + s.name() + " version " + ss.version() + " (" + ss.state().jsonName()
                        + ") from another bundle; install a bundle that includes both");
            }
        }
        for (Slot s : group) {
            SlotStatus ss = status.slot(s.name());
            if (securityVersion(ss) < floor) {
                throw new PolicyException(PolicyException.Reason.SECURITY_VERSION, operation + " " + s.name()
                        + ": security-version " + describeSecurityVersion(ss) + " is below this device's floor "
                        + floor);
            }
        }
    }

    /** A slot of unknown security-version (factory-flashed) counts as 0. */
    private static long securityVersion(SlotStatus ss) {
        return ss.securityVersion() == null ? 0 : ss.securityVersion();
    }

    private static String describeSecurityVersion(SlotStatus ss) {
        return ss.securityVersion() == null ? "unknown" : String.valueOf(ss.securityVersion());
    }
}
