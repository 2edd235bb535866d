package dev.tandem.hardware.rig;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What a real device needs from the host: the Debian root of {@code .ci/setup.d/65-device-image.sh} (systemd,
 * kernel, initramfs; no tandem, no JDK) and the project's own .deb that the same build made in dist/target.
 */
public final class DeviceRoot {

    private static final String SETUP = "run .ci/setup.d/40-qemu.sh, 60-dist.sh and 65-device-image.sh (as root)";

    private DeviceRoot() {
    }

    /** {@code -Dtandem.device.cache}, TANDEM_DEVICE_CACHE or /var/cache/tandem-device. */
    static Path cache() {
        String explicit = System.getProperty("tandem.device.cache", System.getenv("TANDEM_DEVICE_CACHE"));
        return Path.of(explicit != null ? explicit : "/var/cache/tandem-device");
    }

    /** The cached root, once the setup script finished it. */
    public static Optional<Path> root() {
        Path root = cache().resolve("root-amd64");
        return Files.isRegularFile(root.resolve(".done")) ? Optional.of(root) : Optional.empty();
    }

    /** The newest tandem .deb in dist/target (the reactor builds dist before hardware-tests). */
    public static Optional<Path> deb() {
        Path target = BootScripts.contrib().resolveSibling("dist/target");
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(p -> p.getFileName().toString().matches("tandem_.*_amd64\\.deb"))
                    .max(Comparator.comparing(p -> p.toFile().lastModified()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The 128 MiB board's kernel, once hardware-tests/board-kernel/build.sh built it. */
    public static Optional<Path> boardKernel() {
        Path dir = cache().resolve("board-kernel");
        return Files.isRegularFile(dir.resolve(".done")) ? Optional.of(dir.resolve("vmlinuz")) : Optional.empty();
    }

    /** Skips unless the board kernel is there. */
    public static void assumeBoardKernel() {
        assumeTrue(boardKernel().isPresent(), "no board kernel in " + cache()
                + "/board-kernel: run hardware-tests/board-kernel/build.sh (as root, about 11 minutes)");
    }

    /** Skips unless the root, the .deb and the host tools are there. */
    public static void assumeAvailable() {
        Prerequisites.assumeRoot();
        assumeTrue(root().isPresent(), "no device root in " + cache() + "/root-amd64: " + SETUP);
        assumeTrue(deb().isPresent(), "no tandem .deb in dist/target: mvn -pl dist -am package -DskipTests");
        Prerequisites.assumeFiles(GrubBios.BOOT_IMG);
        Prerequisites.assumeTools("qemu-system-x86_64", "grub-mkimage", "grub-editenv", "mkfs.ext4", "sfdisk",
                "chroot", "cp", "dd", "losetup", "mount");
    }
}
