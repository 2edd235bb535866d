package dev.tandem.boot;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The bootloaders system.toml's {@code bootloader} key can name, each with the adapter that drives it. */
public enum BootloaderKind {
    GRUB("grub", GrubEnvAdapter::new),
    UBOOT("uboot", UBootEnvAdapter::new),
    BAREBOX("barebox", BareboxStateAdapter::new),
    EFI("efi", EfiBootNextAdapter::new),
    CUSTOM("custom", ScriptAdapter::new),
    FILE("file", FileAdapter::new);

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
                + Arrays.stream(values()).map(BootloaderKind::configName).collect(Collectors.joining(", ")) + ")");
    }
}
