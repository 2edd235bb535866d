package dev.tandem.boot;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The bootloaders system.toml's {@code bootloader} key can name, each with the adapter that drives it, and the
 * defaults of their {@code [bootloader-options]}: the one place that lists bootloader names and defaults.
 */
public enum BootloaderKind {
    GRUB("grub", GrubEnvAdapter::new),
    UBOOT("uboot", UBootEnvAdapter::new),
    BAREBOX("barebox", BareboxStateAdapter::new),
    EFI("efi", EfiBootNextAdapter::new),
    CUSTOM("custom", ScriptAdapter::new),
    FILE("file", FileAdapter::new);

    /** {@code grubenv} when not configured. */
    public static final Path DEFAULT_GRUBENV = Path.of("/boot/grub/grubenv");

    /** {@code fw-env-config} when not configured. */
    public static final Path DEFAULT_FW_ENV_CONFIG = Path.of("/etc/fw_env.config");

    /** {@code barebox-state-name} when not configured. */
    public static final String DEFAULT_BAREBOX_STATE_NAME = "state";

    /** Where efivarfs is mounted (not a config key: only tests move it). */
    public static final Path EFIVARS_DIR = Path.of("/sys/firmware/efi/efivars");

    /** The simulated bootloader's state file, in the data-dir. */
    public static final String FILE_ENV_NAME = "file-bootloader.json";

    private final String configName;
    private final Function<BootloaderOptions, BootloaderAdapter> factory;

    BootloaderKind(String configName, Function<BootloaderOptions, BootloaderAdapter> factory) {
        this.configName = configName;
        this.factory = factory;
    }

    /** The name in system.toml, equal to the adapter's {@link BootloaderAdapter#name()}. */
    public String configName() {
        return configName;
    }

    /** The adapter for this bootloader, configured from {@code [bootloader-options]}. */
    public BootloaderAdapter create(BootloaderOptions options) {
        return factory.apply(options);
    }

    /** Every name system.toml accepts, in declaration order. */
    public static List<String> configNames() {
        return Arrays.stream(values()).map(BootloaderKind::configName).toList();
    }

    /**
     * The kind named {@code configName} (case-sensitive, as TOML keys are).
     *
     * @throws BootloaderException for any other name, listing the valid ones
     */
    public static BootloaderKind parse(String configName) {
        for (BootloaderKind k : values()) {
            if (k.configName.equals(configName)) {
                return k;
            }
        }
        throw new BootloaderException("unknown bootloader '" + configName + "' (valid: "
                + String.join(", ", configNames()) + ")");
    }
}
