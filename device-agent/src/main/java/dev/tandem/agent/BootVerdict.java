package dev.tandem.agent;

import dev.tandem.slot.state.DeviceStatus;
import dev.tandem.slot.state.FailedBundle;
import dev.tandem.slot.state.SlotStatus;

/**
 * What became of an activated install, read from the slot states after boot-check ran (ARCHITECTURE.md §6, §7): the
 * agent never judges health itself, it reports what boot-check decided.
 *
 * @param kind   the verdict
 * @param reason one line for the action history
 */
public record BootVerdict(Kind kind, String reason) {

    /** The verdicts. */
    public enum Kind {
        /** Still the boot in which try-once was set: the reboot has not happened. */
        NOT_REBOOTED,
        /** Rebooted, but boot-check has not decided yet (the slot is still on trial). */
        UNDECIDED,
        /** The new slot runs and boot-check marked it good. */
        SUCCESS,
        /** The new slot failed its trial (the device fell back), or lost its activation. */
        FAILURE
    }

    /**
     * @param journal    the action's journal, with target slot, bundle id and the boot id of the activation
     * @param bootedSlot the booted (bootable) slot's name
     * @param bootId     this boot's id
     * @param status     the slot states now
     */
    public static BootVerdict of(ActionJournal journal, String bootedSlot, String bootId, DeviceStatus status) {
        String target = journal.targetSlot();
        SlotStatus t = status.slot(target);
        boolean rebooted = !bootId.equals(journal.activatedBoot());
        String what = target + " (version " + journal.version() + ")";
        if (bootedSlot.equals(target)) {
            return switch (t.state()) {
                case GOOD -> journal.bundleId() != null && !journal.bundleId().equals(t.bundleId())
                        ? new BootVerdict(Kind.FAILURE, "booted " + target + ", but it holds bundle " + t.bundleId()
                                + " instead of " + journal.bundleId())
                        : new BootVerdict(Kind.SUCCESS, "booted " + what + "; boot-check marked it good");
                case INSTALLED, PENDING -> new BootVerdict(Kind.UNDECIDED, "booted " + what
                        + "; boot-check has not decided yet");
                case BAD -> new BootVerdict(Kind.FAILURE, failure(status, journal, t, "booted " + what
                        + ", but it was marked bad"));
                case EMPTY, WRITING -> new BootVerdict(Kind.FAILURE, "booted " + target + ", but it is "
                        + t.state().jsonName());
            };
        }
        if (!rebooted) {
            return switch (t.state()) {
                case PENDING -> new BootVerdict(Kind.NOT_REBOOTED, what + " is set to boot next; no reboot yet");
                case BAD -> new BootVerdict(Kind.FAILURE, failure(status, journal, t, what + " was marked bad"));
                case INSTALLED -> new BootVerdict(Kind.FAILURE, "the trial of " + what
                        + " was called off before the reboot (mark-active)");
                default -> new BootVerdict(Kind.FAILURE, what + " is " + t.state().jsonName()
                        + " before the reboot");
            };
        }
        return switch (t.state()) {
            case BAD -> new BootVerdict(Kind.FAILURE, failure(status, journal, t, "fell back to " + bootedSlot
                    + " from " + what));
            case PENDING -> new BootVerdict(Kind.UNDECIDED, "rebooted into " + bootedSlot + " while " + what
                    + " is pending; boot-check has not decided yet");
            default -> new BootVerdict(Kind.FAILURE, "rebooted into " + bootedSlot + " instead of " + what
                    + " (" + target + " is " + t.state().jsonName() + ")");
        };
    }

    /** The reason boot-check recorded, from the slot or from failed-bundles; {@code fallback} otherwise. */
    private static String failure(DeviceStatus status, ActionJournal journal, SlotStatus t, String fallback) {
        if (t.lastFailure() != null) {
            return fallback + ": " + t.lastFailure();
        }
        for (FailedBundle f : status.failedBundles()) {
            if (f.bundleId().equals(journal.bundleId())) {
                return fallback + ": " + f.reason();
            }
        }
        return fallback;
    }
}
