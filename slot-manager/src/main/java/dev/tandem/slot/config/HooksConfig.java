package dev.tandem.slot.config;

import java.nio.file.Path;

/**
 * The {@code [hooks]} table: executables run at fixed points with a {@code TANDEM_*} environment (ARCHITECTURE.md §5).
 * Null means no hook.
 *
 * @param preInstall   before the target is touched; a non-zero exit vetoes the install
 * @param postInstall  after the final check, before activation; a non-zero exit marks the target bad
 * @param postMarkGood after a slot was marked good (commit data migrations)
 * @param onFallback   after boot-check found that the bootloader fell back from a slot on trial
 */
public record HooksConfig(Path preInstall, Path postInstall, Path postMarkGood, Path onFallback) {

    /** No hooks. */
    public static HooksConfig none() {
        return new HooksConfig(null, null, null, null);
    }
}
