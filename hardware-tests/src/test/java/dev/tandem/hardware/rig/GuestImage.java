package dev.tandem.hardware.rig;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;

/**
 * Builds what a slot holds: an ext4 file system with {@code /boot/vmlinuz} and {@code /boot/initrd.img}, which the
 * bootloader loads from the slot itself, so the console proves which slot's content booted. The initramfs is the
 * whole userland (busybox + {@code /init}); the kernel never mounts a root file system, so Debian's modular
 * block drivers are not needed. {@code /init} prints the version baked into it, the kernel command line and boot
 * id (the host's boot-check reads them as the device would), then acts out its {@link GuestHealth}.
 *
 * <p>A random payload (seeded by the version) makes each version's image differ in a few MiB, so an install has
 * real data to download and can be interrupted part-way.
 */
public final class GuestImage {

    /** Size of the random payload in each image. */
    public static final int PAYLOAD_BYTES = 12 << 20;

    private GuestImage() {
    }

    /** The {@code /init} script of a slot image. */
    static String initScript(String version, GuestHealth health) {
        return """
                #!/bin/busybox sh
                /bin/busybox --install -s /bin
                export PATH=/bin
                mount -t proc proc /proc
                mount -t devtmpfs dev /dev
                say() { echo "$*" > /dev/console; }
                say "TANDEM-GUEST version=@VERSION@ health=@HEALTH@"
                say "TANDEM-BOOT-ID $(cat /proc/sys/kernel/random/boot_id)"
                say "TANDEM-CMDLINE $(cat /proc/cmdline)"
                case @HEALTH@ in
                  healthy)       say "TANDEM-BOOT-CHECK"; say "HEALTH=OK" ;;
                  unhealthy)     say "TANDEM-BOOT-CHECK"; say "HEALTH=FAILED the new service does not start" ;;
                  no-boot-check) say "HEALTH=NEVER powered off before boot-check" ;;
                  panic)         say "HEALTH=PANIC"; echo 1 > /proc/sys/kernel/sysrq; echo c > /proc/sysrq-trigger ;;
                esac
                poweroff -f
                """.replace("@VERSION@", version).replace("@HEALTH@", health.word());
    }

    /**
     * Writes an ext4 slot image of {@code sizeBytes} to {@code out}.
     *
     * @param work scratch directory (kept: it shows what went into the image)
     */
    public static void build(GuestArch arch, String version, GuestHealth health, long sizeBytes, Path work,
                             Path out) throws IOException {
        Path initrdDir = work.resolve("initrd");
        Path tree = work.resolve("tree");
        for (String d : new String[] {"bin", "dev", "proc", "sys", "tmp"}) {
            Files.createDirectories(initrdDir.resolve(d));
        }
        Files.copy(arch.busybox().orElseThrow(), initrdDir.resolve("bin/busybox"));
        Path init = initrdDir.resolve("init");
        Files.writeString(init, initScript(version, health), StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(init, PosixFilePermissions.fromString("rwxr-xr-x"));

        Files.createDirectories(tree.resolve("boot"));
        Files.createDirectories(tree.resolve("etc"));
        Path initrd = tree.resolve("boot/initrd.img");
        HostCommand.of("sh", "-c", "find . | cpio -o -H newc --quiet | gzip -1 > '" + initrd + "'").in(initrdDir).ok();
        Files.copy(arch.kernel().orElseThrow(), tree.resolve("boot/vmlinuz"));
        Files.writeString(tree.resolve("etc/tandem-version"), version + " " + health.word() + "\n");
        writePayload(tree.resolve("payload.bin"), version);
        Files.deleteIfExists(out);
        HostCommand.of("mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-L", "rootfs", "-d", tree.toString(),
                out.toString(), (sizeBytes >> 10) + "k").ok();
    }

    private static void writePayload(Path file, String version) throws IOException {
        Random random = new Random(version.hashCode());
        byte[] block = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(file)) {
            for (int i = 0; i < PAYLOAD_BYTES / block.length; i++) {
                random.nextBytes(block);
                o.write(block);
            }
        }
    }
}
