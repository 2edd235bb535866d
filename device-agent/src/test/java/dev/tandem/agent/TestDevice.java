package dev.tandem.agent;

import dev.tandem.boot.FileAdapter;
import dev.tandem.bundle.BundleWriter;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.DevCa;
import dev.tandem.pki.SigningKey;
import dev.tandem.slot.bootcheck.BootCheck;
import dev.tandem.slot.bootcheck.BootCheckResult;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.bootcheck.HealthCheck;
import dev.tandem.slot.Hooks;
import dev.tandem.slot.state.SlotStatus;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;

/**
 * A simulated device for the agent's tests: two file-backed rootfs slots (A, B), the file bootloader, a
 * development PKI whose CA is the keyring, and a system.toml, all in one directory. {@link #bundle} makes real
 * signed bundles; {@link #reboot()} and {@link #bootCheck()} play the bootloader and the boot-time unit.
 */
public final class TestDevice {

    public static final long SLOT_SIZE = 32L << 20;
    public static final String COMPATIBLE = "agent-test-device";

    public final Path dir;
    public final Path configFile;
    public final Path dataDir;
    public final Path pki;
    /** While this file exists, the health check fails (a trial boot fails, the device falls back). */
    public final Path unhealthy;

    private TestDevice(Path dir) {
        this.dir = dir;
        this.configFile = dir.resolve("system.toml");
        this.dataDir = dir.resolve("data");
        this.pki = dir.resolve("pki");
        this.unhealthy = dir.resolve("unhealthy");
    }

    /**
     * A device with {@code extraToml} appended to its system.toml (an [agent] table, [http] limits). Slot A holds
     * version 1.0.0 and is good, as after a factory flash and a first boot-check.
     */
    public static TestDevice create(Path dir, String extraToml) throws IOException {
        TestDevice d = new TestDevice(dir);
        DevCa.create(d.pki, DevCa.KeyType.EC_P256);
        for (String slot : List.of("rootfs-a.img", "rootfs-b.img")) {
            try (FileChannel ch = FileChannel.open(dir.resolve(slot), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE)) {
                ch.truncate(0);
                ch.write(ByteBuffer.allocate(1), SLOT_SIZE - 1);
            }
        }
        Files.writeString(d.configFile, """
                compatible = "%s"
                bootloader = "file"
                data-dir = "data"
                keyring = "pki/keyring.pem"
                reboot-command = "true"
                [health]
                commands = ["test ! -e '%s'"]
                timeout = "10s"
                [slots."rootfs.0"]
                device = "rootfs-a.img"
                bootname = "A"
                [slots."rootfs.1"]
                device = "rootfs-b.img"
                bootname = "B"
                """.formatted(COMPATIBLE, d.unhealthy) + extraToml);
        Files.createDirectories(d.dataDir);
        d.bootCheck();
        return d;
    }

    public SystemConfig config() {
        return SystemConfig.load(configFile);
    }

    /** The device as tandem sees it after a boot (booted slot from the file bootloader). */
    public DeviceSlots slots() {
        return DeviceSlots.open(config(), null);
    }

    /** Power-on: the simulated bootloader picks a slot. */
    public String reboot() {
        FileAdapter adapter = new FileAdapter(config().bootloaderOptions());
        return adapter.simulateBoot().orElseThrow(() -> new AssertionError("no slot is bootable"));
    }

    /** tandem-boot-check.service: the health checks and the slot verdict. */
    @SuppressWarnings("try") // the lock is held for the block, not used in it
    public BootCheckResult bootCheck() {
        SystemConfig cfg = config();
        DeviceSlots s = DeviceSlots.open(cfg, null);
        try (DataDirLock lock = DataDirLock.acquire(cfg.dataDir(), "boot-check")) {
            return new BootCheck(s, HealthCheck.system(cfg.health()),
                    new Hooks(cfg.hooks(), cfg.compatible(), cfg.dataDir())).run();
        }
    }

    /** A slot's status now. */
    public SlotStatus slot(String name) {
        return slots().current().slot(name);
    }

    /** A bundle of {@code version} with one rootfs image of {@code imageSize} random bytes, signed by the keyring's CA. */
    public Path bundle(String version, int imageSize) throws IOException {
        return bundle(version, imageSize, COMPATIBLE, pki, version.hashCode());
    }

    /** A bundle as {@link #bundle(String, int)} with another compatible, signer PKI or image content. */
    public Path bundle(String version, int imageSize, String compatible, Path signerPki, long seed) throws IOException {
        return bundle(version, imageSize, compatible, signerPki, seed, w -> w);
    }

    /** A bundle as {@link #bundle(String, int)} whose manifest {@code more} adds to (expires, min-tandem-version). */
    public Path bundle(String version, int imageSize, java.util.function.UnaryOperator<BundleWriter> more)
            throws IOException {
        return bundle(version, imageSize, COMPATIBLE, pki, version.hashCode(), more);
    }

    private Path bundle(String version, int imageSize, String compatible, Path signerPki, long seed,
                        java.util.function.UnaryOperator<BundleWriter> more) throws IOException {
        Path image = dir.resolve("image-" + version + "-" + seed + ".img");
        byte[] bytes = new byte[imageSize];
        new Random(seed).nextBytes(bytes);
        Files.write(image, bytes);
        Path out = dir.resolve("rootfs-" + version + "-" + Long.toHexString(seed) + ".tandem");
        SigningKey key = SigningKey.load(signerPki.resolve("signer.pem"), signerPki.resolve("signer.key").toString());
        more.apply(new BundleWriter().compatible(compatible).version(version).image("rootfs", "rootfs", image)
                .threads(2).signer(m -> CmsSigner.sign(m, List.of(key)))).write(out);
        Files.delete(image);
        return out;
    }

    /** Another development PKI, which this device does not trust. */
    public Path foreignPki() throws IOException {
        Path p = dir.resolve("foreign-pki");
        if (!Files.exists(p.resolve("keyring.pem"))) {
            DevCa.create(p, DevCa.KeyType.EC_P256);
        }
        return p;
    }
}
