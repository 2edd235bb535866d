package dev.tandem.cli;

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
}
