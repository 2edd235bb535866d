package dev.tandem.slot.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code [bootloader-options]} table. Options that do not apply to the configured bootloader are null
 * (setting them is a config error, so a typo'd bootloader cannot hide behind them).
 *
 * @param grubenv          GRUB environment block (grub; default /boot/grub/grubenv)
 * @param fwEnvConfig      U-Boot {@code fw_env.config} (uboot; default /etc/fw_env.config)
 * @param bootAttempts     boots a slot on trial gets before the bootloader falls back (default 1)
 * @param bareboxStateName barebox state variable set (barebox; default {@code state})
 * @param efiEntries       bootname to {@code Boot####} number, 4 hex digits (efi; empty: match by description)
 * @param script           the custom adapter's script (custom; required there)
 */
public record BootloaderSettings(
        Path grubenv,
        Path fwEnvConfig,
        int bootAttempts,
        String bareboxStateName,
        Map<String, String> efiEntries,
        Path script) {

    public BootloaderSettings {
        efiEntries = efiEntries == null ? Map.of() : Map.copyOf(efiEntries);
    }
}
