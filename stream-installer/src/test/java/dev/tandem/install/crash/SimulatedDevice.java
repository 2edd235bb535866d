package dev.tandem.install.crash;

import dev.tandem.boot.BootloaderOptions;
import dev.tandem.boot.FileAdapter;
import dev.tandem.storage.DurableFile;
import dev.tandem.slot.bootcheck.BootCheck;
import dev.tandem.slot.bootcheck.BootCheckResult;
import dev.tandem.slot.BootIdSource;
import dev.tandem.slot.BootedSlot;
import dev.tandem.slot.BootedSlotDetector;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.bootcheck.HealthCheck;
import dev.tandem.slot.Hooks;
import dev.tandem.slot.Slot;
import dev.tandem.slot.SlotResolver;
import dev.tandem.slot.state.StatusStore;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A device in one directory, all paths relative so that a copy is another device: two file-backed rootfs slots
 * (A booted and good, B the target), the simulated file bootloader, a data-dir, a keyring. {@link #slots}
 * wires a fresh {@link DeviceSlots} as tandem does after a boot, with its durable files (status.json, the
 * bootloader's state) passed through a wrapper.
 */
public final class SimulatedDevice {

    public final Path dir;

    private SimulatedDevice(Path dir) {
        this.dir = dir;
    }

    public static SimulatedDevice at(Path dir) {
        return new SimulatedDevice(dir);
    }

    /** Makes the device: slot A holds {@code imageA}, B zeros; both {@code slotSize} bytes. */
    public static SimulatedDevice create(Path dir, String compatible, String keyringPem, byte[] imageA, int slotSize,
                                         String extraTop) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("keyring.pem"), keyringPem);
        Files.write(dir.resolve("slot-a.img"), Arrays.copyOf(imageA, slotSize));
        Files.write(dir.resolve("slot-b.img"), new byte[slotSize]);
        Files.writeString(dir.resolve("system.toml"), """
                compatible = "%s"
                bootloader = "file"
                data-dir = "data"
                keyring = "keyring.pem"
                reboot-command = "true"
                %s
                [slots."rootfs.0"]
                device = "slot-a.img"
                class = "rootfs"
                bootname = "A"
                [slots."rootfs.1"]
                device = "slot-b.img"
                class = "rootfs"
                bootname = "B"
                """.formatted(compatible, extraTop));
        return new SimulatedDevice(dir);
    }

    /** A copy of the whole device in {@code to}. */
    public SimulatedDevice copyTo(Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                Path q = to.resolve(dir.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        return new SimulatedDevice(to);
    }

    public void delete() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    public Path config() {
        return dir.resolve("system.toml");
    }

    public Path slotA() {
        return dir.resolve("slot-a.img");
    }

    public Path slotB() {
        return dir.resolve("slot-b.img");
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    public SystemConfig systemConfig() {
        return SystemConfig.load(config());
    }

    /** The bootloader as the firmware sees it (its file, unwrapped). */
    public FileAdapter bootloader() {
        return new FileAdapter(systemConfig().bootloaderOptions());
    }

    /** Power-on: the simulated bootloader picks a slot; null when none is bootable (a bricked device). */
    public String reboot() {
        return bootloader().simulateBoot().orElse(null);
    }

    public DeviceSlots slots() {
        return slots(UnaryOperator.identity());
    }

    /** The device as tandem sees it after a boot, its status and bootloader files passed through {@code durable}. */
    public DeviceSlots slots(UnaryOperator<DurableFile> durable) {
        SystemConfig cfg = systemConfig();
        BootloaderOptions o = cfg.bootloaderOptions();
        FileAdapter adapter = new FileAdapter(durable.apply(DurableFile.at(o.fileEnv())), o.bootnames(),
                o.bootAttempts());
        List<Slot> slots = new SlotResolver(dir.resolve("no-sysfs"), dir.resolve("no-dev")).resolve(cfg, () -> {
            throw new AssertionError("file slots need no boot disk");
        });
        BootedSlot booted = new BootedSlotDetector(dir.resolve("no-cmdline"), dir.resolve("no-mountinfo"))
                .detect(slots, null, adapter);
        StatusStore store = new StatusStore(durable.apply(DurableFile.at(cfg.dataDir().resolve(StatusStore.FILE_NAME))));
        return new DeviceSlots(cfg, slots, adapter, store, booted, BootIdSource.simulated(adapter),
                Clock.systemUTC());
    }

    /** Boot-check as the boot-time service runs it. */
    public BootCheckResult bootCheck(DeviceSlots slots) {
        SystemConfig cfg = slots.config();
        return new BootCheck(slots, HealthCheck.system(cfg.health()), new Hooks(cfg.hooks(), cfg.compatible(),
                cfg.dataDir())).run();
    }

    public byte[] read(Path slot, int length) throws IOException {
        return Arrays.copyOf(Files.readAllBytes(slot), length);
    }
}
