package dev.tandem.hardware;

import dev.tandem.hardware.rig.BootPlatform;
import dev.tandem.hardware.rig.BootRecord;
import dev.tandem.hardware.rig.GuestHealth;
import dev.tandem.hardware.rig.GuestImage;
import dev.tandem.hardware.rig.RigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * What every scenario of one platform starts from, made once per test class: a development PKI, the factory image
 * (version 1.0.0, healthy) flashed into slot A of a disk with the bootloader and its factory environment, that
 * disk booted once (with boot-check), and the update bundles (version 2.0.0, one per {@link GuestHealth}), made
 * with {@code tandem bundle create} when first needed.
 */
final class Factory implements AutoCloseable {

    static final String FACTORY_VERSION = "1.0.0";
    static final String UPDATE_VERSION = "2.0.0";

    private final BootPlatform platform;
    private final Path dir;
    private final Path pki;
    private final EmulatedDevice firstBooted;
    private final Duration firstBootWall;
    private final Map<GuestHealth, Path> bundles = new EnumMap<>(GuestHealth.class);

    private Factory(BootPlatform platform, Path dir, Path pki, EmulatedDevice firstBooted, Duration firstBootWall) {
        this.platform = platform;
        this.dir = dir;
        this.pki = pki;
        this.firstBooted = firstBooted;
        this.firstBootWall = firstBootWall;
    }

    /** Builds the factory disk of {@code platform} under {@code dir} and boots it once. */
    static Factory build(BootPlatform platform, Path dir) throws IOException {
        Path pki = dir.resolve("pki");
        EmulatedDevice device = EmulatedDevice.fresh(platform, "factory", pki.resolve("keyring.pem"), dir);
        try {
            device.log().step("tandem pki dev-ca --out " + pki);
            CapturedCli.Result ca = CapturedCli.run("pki", "dev-ca", "--out", pki.toString());
            if (ca.exitCode() != 0) {
                throw new RigException("tandem pki dev-ca: " + ca.err().strip());
            }
            Path image = image(platform, dir, FACTORY_VERSION, GuestHealth.HEALTHY);
            device.log().step("factory disk: bootloader, factory environment, " + FACTORY_VERSION + " in slot A");
            platform.buildFactoryDisk(device.disk(), image, dir.resolve("bootloader"));

            BootRecord first = device.boot("factory image, first boot", "A", FACTORY_VERSION);
            // A factory-flashed device has no status yet: boot-check records A good, B empty, and re-arms A.
            device.expectOutcome(device.bootCheck(first), "STAYED_GOOD");
            device.closeView();
            device.passed();
            return new Factory(platform, dir, pki, device, first.wall());
        } catch (IOException | RuntimeException | AssertionError e) {
            device.close();
            throw e;
        }
    }

    /** A new device in {@code scenario}'s own directory, a copy of the factory disk after its first boot. */
    EmulatedDevice device(String scenario) throws IOException {
        return EmulatedDevice.copyOf(firstBooted, scenario, dir.getParent().resolve(scenario));
    }

    /** How long the factory's first boot took (a normal boot on this machine, now). */
    Duration firstBootWall() {
        return firstBootWall;
    }

    /** The signed update bundle, version 2.0.0, whose software behaves as {@code health}. */
    synchronized Path bundle(GuestHealth health) throws IOException {
        Path existing = bundles.get(health);
        if (existing != null) {
            return existing;
        }
        Path image = image(platform, dir, UPDATE_VERSION, health);
        Path bundle = dir.resolve("bundles/rootfs-" + UPDATE_VERSION + "-" + health.word() + ".tandem");
        Files.createDirectories(bundle.getParent());
        String[] args = {"bundle", "create", "--image", "rootfs=" + image, "--compatible", platform.compatible(),
                "--version", UPDATE_VERSION, "--description", "update whose software is " + health.word(),
                "--cert", pki.resolve("signer.pem").toString(), "--key", pki.resolve("signer.key").toString(),
                "-o", bundle.toString()};
        firstBooted.log().step("tandem " + String.join(" ", args));
        CapturedCli.Result r = CapturedCli.run(args);
        firstBooted.log().output("exit " + r.exitCode(), r.out() + r.err());
        if (r.exitCode() != 0) {
            throw new AssertionError("tandem bundle create exited " + r.exitCode() + ": " + r.err().strip());
        }
        bundles.put(health, bundle);
        return bundle;
    }

    private static Path image(BootPlatform platform, Path dir, String version, GuestHealth health)
            throws IOException {
        Path work = dir.resolve("images/" + version + "-" + health.word());
        Path image = dir.resolve("images/rootfs-" + version + "-" + health.word() + ".img");
        GuestImage.build(platform.arch(), version, health, platform.layout().slotSize(), work, image);
        return image;
    }

    @Override
    public void close() {
        firstBooted.close();
    }
}
