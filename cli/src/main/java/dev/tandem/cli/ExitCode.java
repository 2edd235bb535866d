package dev.tandem.cli;

import dev.tandem.errors.ExitCategory;

/** The exit codes of every tandem command (ARCHITECTURE.md §8, README "Exit codes"). */
public enum ExitCode {
    OK(0),
    INTERNAL(1),
    USAGE(2),
    VERIFICATION(3),
    POLICY(4),
    IO(5),
    CONFIG(6),
    SOURCE(7),
    BOOTLOADER(8),
    BUSY(9);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The exit code of a failure category: exhaustive, so a new category does not compile until it has one. */
    public static ExitCode of(ExitCategory category) {
        return switch (category) {
            case USAGE -> USAGE;
            case VERIFICATION -> VERIFICATION;
            case POLICY -> POLICY;
            case IO -> IO;
            case CONFIG -> CONFIG;
            case SOURCE -> SOURCE;
            case BOOTLOADER -> BOOTLOADER;
            case BUSY -> BUSY;
            case DEMO_INCOMPLETE -> INTERNAL;
        };
    }
}
