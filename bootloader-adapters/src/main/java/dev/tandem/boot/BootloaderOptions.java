package dev.tandem.boot;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything an adapter needs from system.toml ({@code bootloader} and {@code [bootloader-options]}),
 * already validated by the slot manager. Paths not relevant to the chosen bootloader are null.
 *
 * @param bootnames        the bootnames of the slots the bootloader chooses between, in config order
 * @param bootAttempts     boots granted to a slot on trial ({@code boot-attempts}, default 1: try once)
 * @param grubenv          GRUB environment block ({@code grubenv})
 * @param fwEnvConfig      U-Boot {@code fw_env.config} ({@code fw-env-config}, default /etc/fw_env.config)
 * @param bareboxStateName barebox state variable set ({@code barebox-state-name})
 * @param efiEntries       bootname to {@code Boot####} number in hex ({@code efi-entries}); empty: by description
 * @param efivarsDir       efivarfs mount point (/sys/firmware/efi/efivars; a directory in tests)
 * @param script           custom adapter script ({@code script})
 * @param fileEnv          the file adapter's JSON state (demo and tests)
 */
public record BootloaderOptions(
        List<String> bootnames,
        int bootAttempts,
        Path grubenv,
        Path fwEnvConfig,
        String bareboxStateName,
        Map<String, String> efiEntries,
        Path efivarsDir,
        Path script,
        Path fileEnv) {

    public BootloaderOptions {
        bootnames = List.copyOf(bootnames);
        efiEntries = efiEntries == null ? Map.of() : Map.copyOf(efiEntries);
        if (bootAttempts < 1) {
            throw new IllegalArgumentException("boot-attempts must be at least 1, not " + bootAttempts);
        }
    }
}
