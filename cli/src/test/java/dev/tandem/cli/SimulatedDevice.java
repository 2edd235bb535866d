package dev.tandem.cli;

import dev.tandem.boot.FileAdapter;
import dev.tandem.bundle.BundleWriter;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.SigningKey;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.StatusReport;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A device for CLI tests, all in one directory: two file-backed rootfs slots (A flashed with {@link #imageA},
 * B empty), the simulated file bootloader, a data-dir and a system.toml whose top level gets {@code extraTop}.
 * The reboot command only records that it ran.
 */
final class SimulatedDevice {

    static final String COMPATIBLE = "sec-test";
    static final int SLOT_SIZE = 1 << 20;
    static final int IMAGE_SIZE = 256 * 1024;

    final Path dir;
    final Path config;
    final Path slotA;
    final Path slotB;
    final byte[] imageA;

    private SimulatedDevice(Path dir, Path config, Path slotA, Path slotB, byte[] imageA) {
        this.dir = dir;
        this.config = config;
        this.slotA = slotA;
        this.slotB = slotB;
        this.imageA = imageA;
    }

    static SimulatedDevice create(Path dir, Path keyring, String extraTop) throws IOException {
        Files.createDirectories(dir);
        byte[] imageA = image(1);
        Path a = dir.resolve("slot-a.img");
        Path b = dir.resolve("slot-b.img");
        Files.write(a, Arrays.copyOf(imageA, SLOT_SIZE));
        Files.write(b, new byte[SLOT_SIZE]);
        Path config = dir.resolve("system.toml");
        Files.writeString(config, """
                compatible = "%s"
                bootloader = "file"
                data-dir = "data"
                keyring = "%s"
                reboot-command = "echo reboot >> '%s'"
                %s
                [slots."rootfs.0"]
                device = "%s"
                class = "rootfs"
                bootname = "A"
                [slots."rootfs.1"]
                device = "%s"
                class = "rootfs"
                bootname = "B"
                """.formatted(COMPATIBLE, keyring, dir.resolve("reboots"), extraTop, a, b));
        return new SimulatedDevice(dir, config, a, b, imageA);
    }

    /** A reproducible 256 KiB image: random and zero stretches, different per {@code seed}. */
    static byte[] image(int seed) {
        byte[] data = new byte[IMAGE_SIZE];
        new Random(seed).nextBytes(data);
        Arrays.fill(data, 64 * 1024, 128 * 1024, (byte) 0);
        for (int i = 160 * 1024; i < 192 * 1024; i++) {
            data[i] = (byte) (i % 7 + seed);
        }
        return data;
    }

    /** A bundle of {@code image} with this version and security version, signed by {@code keys}. */
    Path bundle(String name, String version, long securityVersion, byte[] image, SigningKey... keys)
            throws IOException {
        Path img = dir.resolve(name + ".img");
        Files.write(img, image);
        Path out = dir.resolve(name + ".tandem");
        new BundleWriter().compatible(COMPATIBLE).version(version).securityVersion(securityVersion)
                .created(Instant.now().minusSeconds(60)).chunkSize(16384).threads(1)
                .image("rootfs", "rootfs", img).signer(m -> CmsSigner.sign(m, List.of(keys))).write(out);
        return out;
    }

    CliRunner.Result tandem(String... args) {
        List<String> all = new ArrayList<>(List.of("--config", config.toString(), "--progress", "none"));
        all.addAll(List.of(args));
        return CliRunner.run(all.toArray(String[]::new));
    }

    CliRunner.Result install(Path bundle, String... options) {
        List<String> all = new ArrayList<>(List.of("install", bundle.toString()));
        all.addAll(List.of(options));
        return tandem(all.toArray(String[]::new));
    }

    StatusReport status() {
        return DeviceSlots.open(SystemConfig.load(config), null).status();
    }

    StatusReport.SlotReport slot(String name) {
        return status().slots().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    FileAdapter bootloader() {
        return new FileAdapter(SystemConfig.load(config).bootloaderOptions());
    }

    /** Power-on: the simulated bootloader picks a slot; returns its bootname. */
    String reboot() {
        return bootloader().simulateBoot().orElseThrow(() -> new AssertionError("no slot is bootable"));
    }

    byte[] slotBytes(Path slot, int length) throws IOException {
        return Arrays.copyOf(Files.readAllBytes(slot), length);
    }

    /** The install changed nothing a boot could see: A primary and the only bootable slot, B still empty. */
    void assertUntouched() {
        StatusReport st = status();
        if (!"rootfs.0".equals(st.primary()) || slot("rootfs.1").bootloader().bootable()
                || slot("rootfs.1").state() != SlotState.EMPTY) {
            throw new AssertionError("the refused install left a trace: " + st.toJson());
        }
    }
}
