package dev.tandem.hardware.rig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A guest architecture and where its kernel and busybox come from: Debian's packages, extracted (not installed)
 * by {@code .ci/setup.d/40-qemu.sh} into {@code /var/cache/tandem-qemu/<arch>} (or {@code -Dtandem.qemu.cache},
 * {@code TANDEM_QEMU_CACHE}). The amd64 busybox is the host's busybox-static package.
 */
public enum GuestArch {
    ARM64("arm64", "qemu-system-aarch64", "ttyAMA0"),
    X86_64("amd64", "qemu-system-x86_64", "ttyS0");

    /** The cache directory, as the CI setup script fills it. */
    public static Path cache() {
        String dir = System.getProperty("tandem.qemu.cache", System.getenv("TANDEM_QEMU_CACHE"));
        return Path.of(dir != null ? dir : "/var/cache/tandem-qemu");
    }

    private final String debianArch;
    private final String qemu;
    private final String console;

    GuestArch(String debianArch, String qemu, String console) {
        this.debianArch = debianArch;
        this.qemu = qemu;
        this.console = console;
    }

    /** The QEMU system emulator binary. */
    public String qemu() {
        return qemu;
    }

    /** The kernel's serial console device. */
    public String console() {
        return console;
    }

    /** The newest extracted kernel, if the setup script ran. */
    public Optional<Path> kernel() {
        Path boot = cache().resolve(debianArch).resolve("boot");
        if (!Files.isDirectory(boot)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(boot)) {
            return s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A static busybox for the guest. */
    public Optional<Path> busybox() {
        Path p = this == ARM64 ? cache().resolve("arm64/bin/busybox") : Path.of("/bin/busybox");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
