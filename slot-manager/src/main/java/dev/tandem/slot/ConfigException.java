package dev.tandem.slot;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;

/**
 * The system config is missing, malformed or inconsistent, or the device is not set up the way it says
 * (a slot that cannot be found, a booted slot that cannot be told). Maps to exit code 6 (ARCHITECTURE.md §8).
 */
public class ConfigException extends TandemException {

    /** Exit code of this failure (ARCHITECTURE.md §8). */
    public static final int EXIT_CODE = 6;

    /** What is wrong, for tests and callers that branch on it (never on the message). */
    public enum Reason {
        /** The config file does not exist. */
        NO_FILE,
        /** The config file exists but cannot be read. */
        UNREADABLE,
        /** The file is not a TOML document. */
        NOT_TOML,
        /** A key tandem does not know (a typo would otherwise be silently ignored). */
        UNKNOWN_KEY,
        /** A required key is missing. */
        MISSING_KEY,
        /** A value of the wrong type, out of range, or inconsistent with the rest of the config. */
        INVALID_VALUE,
        /** The bootloader's options do not let its adapter start. */
        BOOTLOADER_OPTIONS,
        /** A configured slot matches no partition or device on this device. */
        SLOT_NOT_FOUND,
        /** A configured slot matches more than one partition. */
        SLOT_AMBIGUOUS,
        /** A slot name or bootname (from the command line, the kernel or a bootloader) names no configured slot. */
        UNKNOWN_SLOT,
        /** Nothing tells which slot is booted. */
        BOOTED_SLOT_UNKNOWN,
        /** The disk holding the booted system cannot be found. */
        BOOT_DISK_UNKNOWN,
        /** The data-dir lives on a slot, which an install would overwrite. */
        DATA_DIR_ON_SLOT
    }

    private final Reason reason;

    public ConfigException(Reason reason, String message) {
        super(ExitCategory.CONFIG, message);
        this.reason = reason;
    }

    public ConfigException(Reason reason, String message, Throwable cause) {
        super(ExitCategory.CONFIG, message, cause);
        this.reason = reason;
    }

    /** A config error without a more specific reason: {@link Reason#INVALID_VALUE}. */
    public ConfigException(String message) {
        this(Reason.INVALID_VALUE, message);
    }

    /** A config error without a more specific reason: {@link Reason#INVALID_VALUE}. */
    public ConfigException(String message, Throwable cause) {
        this(Reason.INVALID_VALUE, message, cause);
    }

    public Reason reason() {
        return reason;
    }
}
