package dev.tandem.slot.policy;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;
import java.util.Objects;

/**
 * An operation was refused by policy (ARCHITECTURE.md §5). Maps to exit code 4 (ARCHITECTURE.md §8). Callers branch on
 * {@link #reason()}, never on the message.
 */
public class PolicyException extends TandemException {

    /** Exit code of this failure (ARCHITECTURE.md §8). */
    public static final int EXIT_CODE = 4;

    /** Why the operation was refused. */
    public enum Reason {
        /** The bundle's {@code compatible} differs from the system's. */
        INCOMPATIBLE,
        /** The bundle's version is lower than the booted slot's and downgrades were not allowed. */
        DOWNGRADE,
        /** The bundle's version equals the booted slot's and reinstalling was not asked for. */
        REINSTALL,
        /** The bundle's (or slot's) security version is below the anti-rollback floor; nothing overrides this. */
        SECURITY_VERSION,
        /** The booted slot is not {@code good}: the only known-good slot must not be overwritten. */
        BOOTED_NOT_GOOD,
        /** An image does not fit its target slot. */
        TOO_SMALL,
        /** The bundle failed on this device before (it is in {@code failed-bundles}). */
        FAILED_BUNDLE,
        /** An image's slot class has no target slot, or two images want the same slot. */
        NO_TARGET,
        /** The target is the booted slot, or overlaps it. */
        TARGET_BOOTED,
        /** The target is mounted. */
        TARGET_MOUNTED,
        /** The target has holders (device-mapper, md, ...) or is otherwise in use. */
        TARGET_BUSY,
        /**
         * A slot group would boot with a slot that is not {@code good} and does not hold the same checked bundle as
         * the rest of the group (an appfs-only bundle beside a bad rootfs).
         */
        MIXED_GROUP,
        /** The slot is not in a state the operation needs (activate a slot that is not installed, ...). */
        WRONG_STATE,
        /** The operation would leave no bootable slot (the last slot that is not bad is never marked bad). */
        LAST_BOOTABLE_SLOT,
        /** A hook refused (a {@code pre-install} veto) or failed. */
        HOOK_FAILED
    }

    private final Reason reason;

    public PolicyException(Reason reason, String message) {
        super(ExitCategory.POLICY, message);
        this.reason = Objects.requireNonNull(reason);
    }

    /** Why the operation was refused. */
    public Reason reason() {
        return reason;
    }
}
