package dev.tandem.hardware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.hardware.rig.HostCommand;
import dev.tandem.hardware.rig.Mount;
import dev.tandem.hardware.rig.LoopDevice;
import dev.tandem.hardware.rig.PartitionedDisk;
import dev.tandem.hardware.rig.Prerequisites;
import dev.tandem.hardware.rig.TandemProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Installs into real block devices: loop devices over the partitions of a disk image with a real MBR partition
 * table, and the refusals that protect a device: a mounted target, the booted slot under another name, a slot too
 * small. Plus a 4 GiB sparse image installed by a tandem JVM limited to a 64 MiB heap. Needs root (skipped
 * otherwise); no QEMU. The slots' bootloader is the simulated {@code file} one: these tests are about the slots.
 */
@Tag("root")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BlockDeviceInstallTest {

    private static final long MIB = 1L << 20;
    private static final long IMAGE_SIZE = 16 * MIB;

    private Path root;
    private Path pki;
    private Path image;
    private Path bundle;

    @BeforeAll
    void bundle() throws IOException {
        Prerequisites.assumeRoot();
        Prerequisites.assumeTools("sfdisk", "losetup", "mkfs.ext4", "mount", "blockdev");
        root = ScenarioLog.root().resolve("block-devices");
        StaleState.clear(root);
        Files.createDirectories(root);
        pki = root.resolve("pki");
        ok(CapturedCli.run("pki", "dev-ca", "--out", pki.toString()));
        image = root.resolve("rootfs-2.0.0.img");
        Path tree = root.resolve("tree");
        Files.createDirectories(tree);
        writeRandom(tree.resolve("payload.bin"), 4 * MIB, 2);
        HostCommand.of("mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-d", tree.toString(), image.toString(),
                (IMAGE_SIZE >> 10) + "k").ok();
        bundle = root.resolve("rootfs-2.0.0.tandem");
        ok(CapturedCli.run("bundle", "create", "--image", "rootfs=" + image, "--compatible", "tandem-block-test",
                "--version", "2.0.0", "--cert", pki.resolve("signer.pem").toString(), "--key",
                pki.resolve("signer.key").toString(), "-o", bundle.toString()));
    }

    /** Baseline: the image lands in partition 2 byte for byte; partition 1 (booted) is untouched. */
    @Test
    void installsIntoAPartitionSlot(TestInfo info) throws IOException {
        Path dir = dir(info);
        try (PartitionedDisk disk = PartitionedDisk.create(dir.resolve("disk.img"), 64 * MIB, 24 * MIB, 24 * MIB)) {
            fill(disk.partition(1), 24 * MIB, 1);
            String bootedBefore = sha256(disk.partition(1), 24 * MIB);
            CapturedCli.Result r = install(dir, disk.partition(1), disk.partition(2));
            ok(r);
            assertThat(sha256(disk.partition(2), IMAGE_SIZE)).as("slot B holds the image")
                    .isEqualTo(sha256(image, IMAGE_SIZE));
            assertThat(sha256(disk.partition(1), 24 * MIB)).as("the booted slot is untouched").isEqualTo(bootedBefore);
            // The partition table, read by the real tool, still describes the same partitions.
            assertThat(HostCommand.of("sfdisk", "--dump", disk.file().toString()).ok())
                    .contains("size=       49152, type=83");
        }
    }

    /** A mounted target is refused before a byte is written (mounted read-only, so the mount itself writes nothing). */
    @Test
    void mountedTargetIsRefused(TestInfo info) throws IOException {
        Path dir = dir(info);
        try (PartitionedDisk disk = PartitionedDisk.create(dir.resolve("disk.img"), 64 * MIB, 24 * MIB, 24 * MIB)) {
            HostCommand.of("mkfs.ext4", "-q", "-F", disk.partition(2).toString()).ok();
            String before = sha256(disk.partition(2), 24 * MIB);
            CapturedCli.Result r;
            Mount m = Mount.readOnly(disk.partition(2), "ext4", dir.resolve("mnt"));
            try {
                r = install(dir, disk.partition(1), disk.partition(2));
            } finally {
                m.close();
            }
            assertThat(r.exitCode()).as("exit code (4 = refused by policy): " + r.err()).isEqualTo(4);
            assertThat(r.err()).contains("is mounted on");
            assertThat(sha256(disk.partition(2), 24 * MIB)).as("the mounted target is untouched").isEqualTo(before);
        }
    }

    /** Ways the booted slot can hide behind another name in system.toml. */
    enum Alias {
        /** A symlink to the booted slot's device node. */
        SYMLINK,
        /** The whole disk, which contains the booted partition. */
        WHOLE_DISK,
        /** A second loop device over the booted partition's bytes. */
        SECOND_LOOP_DEVICE
    }

    /**
     * The target is the booted slot under another name: refused, and the booted slot is untouched (ARCHITECTURE.md §5: the
     * safety checks run on the opened device; the target must not equal, contain or overlap the booted slot).
     */
    @ParameterizedTest
    @EnumSource(Alias.class)
    void bootedSlotUnderAnotherNameIsRefused(Alias alias, TestInfo info) throws IOException {
        Path dir = dir(info).resolve(alias.name().toLowerCase());
        Files.createDirectories(dir);
        try (PartitionedDisk disk = PartitionedDisk.create(dir.resolve("disk.img"), 64 * MIB, 24 * MIB, 24 * MIB)) {
            fill(disk.partition(1), 24 * MIB, 3);
            String before = sha256(disk.partition(1), 24 * MIB);
            LoopDevice second = null;
            Path target;
            switch (alias) {
                case SYMLINK -> {
                    target = dir.resolve("rootfs-b");
                    Files.createSymbolicLink(target, disk.partition(1));
                }
                case WHOLE_DISK -> target = disk.whole();
                default -> {
                    long[] p1 = disk.extent(1);
                    second = LoopDevice.attach(disk.file(), p1[0], p1[1]);
                    target = second.device();
                }
            }
            CapturedCli.Result r;
            try {
                r = install(dir, disk.partition(1), target);
            } finally {
                if (second != null) {
                    second.close();
                }
            }
            assertThat(sha256(disk.partition(1), 24 * MIB)).as("the booted slot A (" + disk.partition(1)
                    + ") after an install whose target " + target + " is A under another name; tandem said: "
                    + (r.out() + r.err()).strip()).isEqualTo(before);
            assertThat(r.exitCode()).as("exit code (4 = refused by policy): " + r.err()).isEqualTo(4);
        }
    }

    /** A slot smaller than the image is refused before a byte is written. */
    @Test
    void slotSmallerThanTheImageIsRefused(TestInfo info) throws IOException {
        Path dir = dir(info);
        try (PartitionedDisk disk = PartitionedDisk.create(dir.resolve("disk.img"), 64 * MIB, 24 * MIB, 8 * MIB)) {
            fill(disk.partition(2), 8 * MIB, 4);
            String before = sha256(disk.partition(2), 8 * MIB);
            CapturedCli.Result r = install(dir, disk.partition(1), disk.partition(2));
            assertThat(r.exitCode()).as("exit code (4 = refused by policy): " + r.err()).isEqualTo(4);
            assertThat(r.err()).contains("does not fit slot rootfs.1 (" + 8 * MIB + " bytes)");
            assertThat(sha256(disk.partition(2), 8 * MIB)).as("the small slot is untouched").isEqualTo(before);
        }
    }

    /**
     * A 4 GiB sparse image (32 MiB of random data spread over it) installed into a 4 GiB partition by a tandem JVM
     * with {@code -Xmx64m}: memory does not grow with the image. The slot then holds the image byte for byte; peak
     * RSS goes into install.txt. About 1.5 min here (tag {@code slow}: runs with -Pqemu); the 4 GiB files are
     * deleted when it passes.
     */
    @Test
    @Tag("slow")
    void fourGiBSparseImageWithA64MiBHeap(TestInfo info) throws IOException {
        Path dir = dir(info);
        long size = 4L << 30;
        Path big = dir.resolve("rootfs-4g.img");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(size);
            Random random = new Random(5);
            byte[] block = new byte[(int) MIB];
            for (int i = 0; i < 32; i++) {
                random.nextBytes(block);
                f.seek((size / 32) * i + i * 4096L);
                f.write(block);
            }
        }
        Path bigBundle = dir.resolve("rootfs-4g.tandem");
        ok(CapturedCli.run("bundle", "create", "--image", "rootfs=" + big, "--compatible", "tandem-block-test",
                "--version", "2.0.0", "--cert", pki.resolve("signer.pem").toString(), "--key",
                pki.resolve("signer.key").toString(), "-o", bigBundle.toString()));
        try (PartitionedDisk disk = PartitionedDisk.create(dir.resolve("disk.img"), size + 48 * MIB, 32 * MIB,
                size)) {
            Path config = config(dir, disk.partition(1), disk.partition(2));
            List<String> cmd = new ArrayList<>();
            boolean timed = Files.isExecutable(Path.of("/usr/bin/time"));
            if (timed) {
                cmd.addAll(List.of("/usr/bin/time", "-f", "max-rss-kib %M"));
            }
            cmd.addAll(TandemProcess.command(List.of("-Xmx64m"), List.of("--config", config.toString(), "--booted",
                    "A", "--progress", "none", "install", bigBundle.toString())));
            HostCommand.Result r = HostCommand.of(cmd).timeout(java.time.Duration.ofMinutes(10)).run();
            Files.writeString(dir.resolve("install.txt"), String.join(" ", cmd) + "\n" + r.stdout() + r.stderr());
            assertThat(r.exitCode()).as("install with -Xmx64m: " + r.stderr()).isZero();
            assertThat(sha256(disk.partition(2), size)).as("the 4 GiB slot holds the image")
                    .isEqualTo(sha256(big, size));
        }
        Files.delete(dir.resolve("disk.img"));
        Files.delete(big);
        Files.delete(bigBundle);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private Path dir(TestInfo info) throws IOException {
        Path d = root.resolve(info.getTestMethod().orElseThrow().getName());
        Files.createDirectories(d);
        return d;
    }

    /** system.toml for a device booted from {@code a}, installing into {@code b}. */
    private Path config(Path dir, Path a, Path b) throws IOException {
        Path data = dir.resolve("data");
        EmulatedDevice.deleteTree(data);
        Path config = dir.resolve("system.toml");
        Files.writeString(config, """
                compatible = "tandem-block-test"
                bootloader = "file"
                data-dir = "%s"
                keyring = "%s"

                [slots."rootfs.0"]
                device = "%s"
                bootname = "A"

                [slots."rootfs.1"]
                device = "%s"
                bootname = "B"
                """.formatted(data, pki.resolve("keyring.pem"), a, b), StandardCharsets.UTF_8);
        return config;
    }

    private CapturedCli.Result install(Path dir, Path a, Path b) throws IOException {
        CapturedCli.Result r = CapturedCli.run("--config", config(dir, a, b).toString(), "--booted", "A",
                "--progress", "none", "install", bundle.toString());
        Files.writeString(dir.resolve("install.txt"), "exit " + r.exitCode() + "\n" + r.out() + r.err());
        return r;
    }

    private static void ok(CapturedCli.Result r) {
        assertThat(r.exitCode()).as("tandem: " + r.err()).isZero();
    }

    private static void fill(Path device, long bytes, int seed) throws IOException {
        try (OutputStream o = Files.newOutputStream(device)) {
            Random random = new Random(seed);
            byte[] block = new byte[(int) MIB];
            for (long done = 0; done < bytes; done += block.length) {
                random.nextBytes(block);
                o.write(block);
            }
        }
        HostCommand.of("blockdev", "--flushbufs", device.toString()).ok();
    }

    private static void writeRandom(Path file, long bytes, int seed) throws IOException {
        try (OutputStream o = Files.newOutputStream(file)) {
            Random random = new Random(seed);
            byte[] block = new byte[(int) MIB];
            for (long done = 0; done < bytes; done += block.length) {
                random.nextBytes(block);
                o.write(block);
            }
        }
    }

    /** SHA-256 of the first {@code length} bytes of a file or device. */
    static String sha256(Path file, long length) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[(int) MIB];
        long left = length;
        try (InputStream in = Files.newInputStream(file)) {
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                md.update(buf, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(md.digest()) + (left > 0 ? " (short by " + left + ")" : "");
    }
}
