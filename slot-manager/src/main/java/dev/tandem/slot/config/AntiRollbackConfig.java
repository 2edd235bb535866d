package dev.tandem.slot.config;

import java.nio.file.Path;

/**
 * The {@code [anti-rollback]} table.
 *
 * @param initialFloor the security floor of a device without status (factory-flashed), default 0
 * @param versionFile  an extra copy of the floor (a decimal number in a file) kept outside status.json, for
 *                     bootloaders without an environment to mirror it into; null for none. The largest of
 *                     status.json, the bootloader's mirror and this file counts.
 */
public record AntiRollbackConfig(long initialFloor, Path versionFile) {
}
