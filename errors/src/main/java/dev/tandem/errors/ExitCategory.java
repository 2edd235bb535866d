package dev.tandem.errors;

/**
 * What kind of failure a {@link Categorized} exception is. Each category is one documented exit code (cli's
 * {@code ExitCode.of}, README "Exit codes"); the mapping is an exhaustive switch, so a new category cannot go
 * unmapped.
 */
public enum ExitCategory {
    /** A command line tandem cannot act on (exit 2). */
    USAGE,
    /** A signature, hash, bundle or manifest that does not verify (exit 3). */
    VERIFICATION,
    /** Refused by policy: incompatible, downgrade, security version, target unsafe or too small (exit 4). */
    POLICY,
    /** A local read or write failed (exit 5). */
    IO,
    /** system.toml, the keyring or a key is missing, malformed or inconsistent with the device (exit 6). */
    CONFIG,
    /** The bundle's source or the network failed (exit 7). */
    SOURCE,
    /** A bootloader tool or environment failed (exit 8). */
    BOOTLOADER,
    /** Another tandem operation holds the lock (exit 9). */
    BUSY,
    /** {@code tandem demo}'s simulated update did not complete (exit 1, as documented). */
    DEMO_INCOMPLETE
}
