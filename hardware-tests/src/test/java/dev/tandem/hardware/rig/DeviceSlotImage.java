package dev.tandem.hardware.rig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * The root file system of one version of the emulated device, as an ext4 slot image: a copy of the cached Debian
 * root ({@link DeviceRoot}) with the project's .deb installed by dpkg in a chroot, the device's
 * {@code /etc/tandem/system.toml} and keyring, the agent enabled, and a health check that passes or fails (it
 * travels with the image, as a broken update is broken in whichever slot it lands). A probe unit prints the
 * version, the booted slot and what boot-check took (time, peak memory of its cgroup) on the console.
 */
public final class DeviceSlotImage {

    /**
     * What one version of the device's software is.
     *
     * @param boardKernel a kernel with everything built in to boot instead of the root's Debian kernel and its
     *                    initramfs, or null
     */
    public record Spec(String version, String systemToml, Path keyring, String healthFailure, Path boardKernel) {
        /** A version whose health check passes, on the root's kernel. */
        public static Spec healthy(String version, String systemToml, Path keyring) {
            return new Spec(version, systemToml, keyring, null, null);
        }
    }

    private static final String PROBE_BOOT = """
            #!/bin/sh
            # What boot-check did on this boot, for the test rig (test device only).
            slot=$(sed -n 's/.*tandem\\.slot=\\([A-Za-z0-9]*\\).*/\\1/p' /proc/cmdline)
            show() { systemctl show -p "$1" --value tandem-boot-check.service; }
            start=$(show ExecMainStartTimestampMonotonic)
            exit_=$(show ExecMainExitTimestampMonotonic)
            peak=$(cat /run/tandem-boot-check.peak 2>/dev/null || echo -)
            echo "PROBE-BOOT slot=$slot version=$(cat /etc/tandem-device-version) boot_check_result=$(show Result)\\
             boot_check_start_us=$start boot_check_exit_us=$exit_ boot_check_peak_bytes=$peak\\
             uptime_s=$(cut -d' ' -f1 /proc/uptime)\\
             mem_available_kib=$(awk '/^MemAvailable/{print $2}' /proc/meminfo)" >/dev/ttyS0
            """;

    private static final String PROBE_BOOT_UNIT = """
            [Unit]
            Description=print what boot-check did on the console (test device only)
            After=tandem-boot-check.service

            [Service]
            Type=oneshot
            ExecStart=/usr/local/sbin/tandem-probe-boot

            [Install]
            WantedBy=multi-user.target
            """;

    /**
     * The peak memory of boot-check's cgroup, read in the cgroup itself: systemd removes a oneshot's cgroup once
     * its processes are gone, RemainAfterExit or not.
     */
    private static final String PROBE_BOOT_CHECK_DROPIN = """
            [Service]
            ExecStartPost=/bin/sh -c 'cat /sys/fs/cgroup$$(cut -d: -f3 /proc/self/cgroup)/memory.peak \
             > /run/tandem-boot-check.peak'
            """;

    private DeviceSlotImage() {
    }

    /**
     * Builds the slot image {@code out} of {@code sizeBytes}.
     *
     * @param work scratch directory; the root tree made there is removed afterwards
     */
    public static void build(Spec spec, long sizeBytes, Path work, Path out) throws IOException {
        Path root = DeviceRoot.root().orElseThrow(() -> new RigException("no cached device root"));
        Path deb = DeviceRoot.deb().orElseThrow(() -> new RigException("no tandem .deb in dist/target"));
        Path tree = work.resolve("root-" + spec.version());
        Files.createDirectories(work);
        HostCommand.of("rm", "-rf", tree.toString()).ok();
        HostCommand.of("cp", "-a", root.toString(), tree.toString()).timeout(Duration.ofMinutes(10)).ok();
        try {
            Files.delete(tree.resolve(".done"));
            Files.copy(deb, tree.resolve("tmp/tandem.deb"));
            HostCommand.of("chroot", tree.toString(), "dpkg", "-i", "/tmp/tandem.deb")
                    .timeout(Duration.ofMinutes(5)).ok();
            Files.delete(tree.resolve("tmp/tandem.deb"));

            write(tree, "etc/tandem/system.toml", spec.systemToml(), false);
            Files.copy(spec.keyring(), tree.resolve("etc/tandem/keyring.pem"));
            write(tree, "etc/tandem-device-version", spec.version() + "\n", false);
            write(tree, "etc/fstab", "PARTLABEL=data /data ext4 defaults 0 2\n", false);
            Files.createDirectories(tree.resolve("data"));
            String health = spec.healthFailure() == null
                    ? "#!/bin/sh\necho \"version " + spec.version() + " is healthy\"\n"
                    : "#!/bin/sh\necho \"" + spec.healthFailure() + "\"\nexit 1\n";
            write(tree, "usr/local/sbin/tandem-health", health, true);
            write(tree, "usr/local/sbin/tandem-probe-boot", PROBE_BOOT, true);
            write(tree, "etc/systemd/system/tandem-probe-boot.service", PROBE_BOOT_UNIT, false);
            write(tree, "etc/systemd/system/tandem-boot-check.service.d/probe.conf", PROBE_BOOT_CHECK_DROPIN, false);
            HostCommand.of("chroot", tree.toString(), "systemctl", "enable", "tandem-agent.service",
                    "tandem-probe-boot.service").ok();
            // six gettys on virtual consoles nobody looks at cost a TCG guest seconds at every boot
            HostCommand.of("chroot", tree.toString(), "systemctl", "mask", "getty-static.service").ok();
            // contrib/grub.cfg loads /boot/vmlinuz and /boot/initrd.img from the slot
            String kver = kernelVersion(tree);
            if (spec.boardKernel() != null) {
                // Everything the board needs is built in: an empty initramfs (GRUB loads one), and the kernel
                // mounts root=PARTLABEL= itself.
                kver = "board";
                Files.copy(spec.boardKernel(), tree.resolve("boot/vmlinuz-board"));
                HostCommand.of("sh", "-c", "cpio -o -H newc --quiet </dev/null | gzip -1 > boot/initrd.img-board")
                        .in(tree).ok();
            }
            Files.createSymbolicLink(tree.resolve("boot/vmlinuz"), Path.of("vmlinuz-" + kver));
            Files.createSymbolicLink(tree.resolve("boot/initrd.img"), Path.of("initrd.img-" + kver));
            if (Files.exists(tree.resolve("usr/bin/java"))) {
                throw new RigException("java from Debian in the device root");
            }

            Files.deleteIfExists(out);
            HostCommand.of("mkfs.ext4", "-q", "-F", "-L", "rootfs", "-d", tree.toString(), out.toString(),
                    (sizeBytes >> 10) + "k").timeout(Duration.ofMinutes(5)).ok();
        } finally {
            HostCommand.of("rm", "-rf", tree.toString()).timeout(Duration.ofMinutes(5)).ok();
        }
    }

    /** The size in bytes of the cached root plus the .deb's files, for choosing the slot size. */
    public static long rootBytes() {
        String du = HostCommand.of("du", "-sb", DeviceRoot.root().orElseThrow().toString()).ok();
        return Long.parseLong(du.split("\\s+")[0]);
    }

    private static String kernelVersion(Path tree) throws IOException {
        try (var s = Files.list(tree.resolve("lib/modules"))) {
            List<Path> all = s.toList();
            if (all.size() != 1) {
                throw new RigException("expected one kernel in the device root, found " + all);
            }
            return all.get(0).getFileName().toString();
        }
    }

    private static void write(Path tree, String path, String content, boolean executable) throws IOException {
        Path p = tree.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
        if (executable) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
