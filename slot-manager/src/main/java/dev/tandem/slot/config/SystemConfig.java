package dev.tandem.slot.config;

import dev.tandem.boot.BootloaderKind;
import dev.tandem.boot.BootloaderOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The system config ({@code /etc/tandem/system.toml}, ARCHITECTURE.md §5), parsed and checked. Every key of
 * {@code slot-manager/CONFIG.md}, the reference, has a home here. Relative paths in the file resolve
 * against the file's own directory.
 *
 * @param file              the file it was read from (for messages)
 * @param compatible        what bundles must declare to be installed here
 * @param bootloader        {@code grub}, {@code uboot}, {@code barebox}, {@code efi}, {@code custom} or {@code file}
 * @param dataDir           persistent directory outside every slot (default /data/tandem)
 * @param keyring           trust anchors (PEM) bundles are verified against
 * @param checkSignerTime   false skips the not-yet-valid check of signer certificates (no RTC)
 * @param signaturesRequired distinct signer keys a bundle needs (default 1)
 * @param allowedSigners    if not empty, signer subjects that count
 * @param rebootCommand     run by boot-check to leave a failed slot (default {@code reboot})
 * @param bootloaderSettings {@code [bootloader-options]}
 * @param antiRollback      {@code [anti-rollback]}
 * @param http              {@code [http]}
 * @param health            {@code [health]}
 * @param hooks             {@code [hooks]}
 * @param agent             {@code [agent]}
 * @param slots             {@code [slots."<class>.<n>"]}, in file order
 * @param download          {@code [download]}: when the agent may download
 * @param factoryReset      {@code [factory-reset]}: the data partition {@code tandem factory-reset} clears
 * @param web               {@code [web]}
 */
public record SystemConfig(
        Path file,
        String compatible,
        String bootloader,
        Path dataDir,
        Path keyring,
        boolean checkSignerTime,
        int signaturesRequired,
        List<String> allowedSigners,
        String rebootCommand,
        BootloaderSettings bootloaderSettings,
        AntiRollbackConfig antiRollback,
        HttpConfig http,
        HealthConfig health,
        HooksConfig hooks,
        AgentConfig agent,
        List<SlotConfig> slots,
        DownloadConfig download,
        FactoryResetConfig factoryReset,
        WebConfig web) {

    /** Where the data-dir is when the config does not say: a persistent partition, not the rootfs slot. */
    public static final Path DEFAULT_DATA_DIR = Path.of("/data/tandem");

    /** The default location of the config. */
    public static final Path DEFAULT_PATH = Path.of("/etc/tandem/system.toml");


    public SystemConfig {
        allowedSigners = List.copyOf(allowedSigners);
        slots = List.copyOf(slots);
    }

    /**
     * Reads and checks a config file.
     *
     * @throws ConfigException naming the file, the table and the key for every problem
     */
    public static SystemConfig load(Path file) {
        return SystemConfigParser.parse(file);
    }

    /** The slot called {@code name}. */
    public Optional<SlotConfig> slot(String name) {
        return slots.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The bootnames of the bootable slots (those without a parent), in file order. */
    public List<String> bootnames() {
        List<String> out = new ArrayList<>();
        for (SlotConfig s : slots) {
            if (s.bootname() != null) {
                out.add(s.bootname());
            }
        }
        return out;
    }

    /** The file adapter's simulated bootloader state: {@code <data-dir>/file-bootloader.json}. */
    public Path fileBootloaderEnv() {
        return dataDir.resolve(BootloaderKind.FILE_ENV_NAME);
    }

    /** What a bootloader adapter needs from this config. */
    public BootloaderOptions bootloaderOptions() {
        BootloaderSettings b = bootloaderSettings;
        return new BootloaderOptions(bootnames(), b.bootAttempts(), b.grubenv(), b.fwEnvConfig(),
                b.bareboxStateName(), b.efiEntries(), BootloaderKind.EFIVARS_DIR, b.script(),
                BootloaderKind.parse(bootloader) == BootloaderKind.FILE ? fileBootloaderEnv() : null);
    }
}
