package dev.tandem.install;

import dev.tandem.boot.FileAdapter;
import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.BundleWriter;
import dev.tandem.bundle.FileSource;
import dev.tandem.bundle.ImageSection;
import dev.tandem.bundle.ManifestVerifier;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.DevCa;
import dev.tandem.pki.SigningKey;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.state.SlotState;
import dev.tandem.slot.state.SlotStatus;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A simulated device for install tests, all in one directory: a data-dir, two file-backed rootfs slots (A, booted
 * first, and B), a system.toml with the {@code file} bootloader, and a development PKI made at test time whose
 * signer signs the bundles built here. Also makes test images (random, with zero regions, ext4) and compares slots
 * with images.
 *
 * <pre>{@code
 * TestDevice d = TestDevice.create(dir, 16 << 20, "");
 * Path image = TestDevice.randomImage(dir.resolve("v2.img"), 12 << 20, 1);
 * Path bundle = d.bundle("2.0.0").image("rootfs", "rootfs", image).write(dir.resolve("v2.tandem")) ... ;
 * d.installer(InstallSettings.defaults()).install(FileSource.open(bundle), InstallOptions.defaults(), NONE);
 * assertThat(d.slotHolds(d.slotB, image)).isTrue();
 * }</pre>
 */
public final class TestDevice {

    /** The device's {@code compatible}. */
    public static final String COMPATIBLE = "test-device";
    /** Slot names as in system.toml. */
    public static final String SLOT_A = "rootfs.0";
    public static final String SLOT_B = "rootfs.1";

    public final Path dir;
    public final Path configFile;
    public final Path dataDir;
    public final Path slotA;
    public final Path slotB;
    public final Path pki;

    private TestDevice(Path dir, Path pki) {
        this.dir = dir;
        this.configFile = dir.resolve("system.toml");
        this.dataDir = dir.resolve("data");
        this.slotA = dir.resolve("slot-a.img");
        this.slotB = dir.resolve("slot-b.img");
        this.pki = pki;
    }

    /** A device with two zero-filled (sparse) slots of {@code slotSize}; {@code extraToml} is appended to system.toml. */
    public static TestDevice create(Path dir, long slotSize, String extraToml) throws IOException {
        return create(dir, slotPath -> slotPath, slotSize, extraToml);
    }

    /** Maps the default slot file paths to the devices actually used (loop devices). */
    @FunctionalInterface
    public interface SlotDevices {
        Path device(Path defaultFile) throws IOException;
    }

    /**
     * A device whose slots are what {@code devices} makes of the default slot files (e.g. loop devices on them);
     * the default files are created with {@code slotSize} first.
     */
    public static TestDevice create(Path dir, SlotDevices devices, long slotSize, String extraToml)
            throws IOException {
        return create(dir, null, devices, slotSize, extraToml);
    }

    /**
     * A device that trusts the development PKI in {@code sharedPki} (made with {@link #makePki} once for many
     * devices), or a new one in its own directory when null.
     */
    public static TestDevice create(Path dir, Path sharedPki, SlotDevices devices, long slotSize, String extraToml)
            throws IOException {
        Files.createDirectories(dir);
        TestDevice d = new TestDevice(dir, sharedPki != null ? sharedPki.toAbsolutePath() : dir.resolve("pki"));
        makeSlotFile(d.slotA, slotSize);
        makeSlotFile(d.slotB, slotSize);
        if (sharedPki == null) {
            makePki(d.pki);
        }
        Path a = devices.device(d.slotA);
        Path b = devices.device(d.slotB);
        Files.writeString(d.configFile, """
                compatible = "%s"
                bootloader = "file"
                data-dir   = "data"
                keyring    = "%s"

                [slots."rootfs.0"]
                device   = "%s"
                class    = "rootfs"
                bootname = "A"

                [slots."rootfs.1"]
                device   = "%s"
                class    = "rootfs"
                bootname = "B"
                """.formatted(COMPATIBLE, d.pki.resolve("keyring.pem"), a, b) + extraToml);
        return d;
    }

    /** A development PKI (ca.pem, signer.pem, signer.key, keyring.pem) in {@code dir}. */
    public static Path makePki(Path dir) {
        DevCa.create(dir, DevCa.KeyType.EC_P256);
        return dir;
    }

    /** A sparse file of {@code size} zero bytes (replacing what was there). */
    public static void makeSlotFile(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            if (size > 0) {
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        }
    }

    public SystemConfig config() {
        return SystemConfig.load(configFile);
    }

    /** The device as {@code tandem} wires it now (the file bootloader tells the booted slot). */
    public DeviceSlots slots() {
        return DeviceSlots.open(config(), null);
    }

    /** The device with {@code --booted SLOT}. */
    public DeviceSlots slots(String bootedOverride) {
        return DeviceSlots.open(config(), bootedOverride);
    }

    /** The simulated bootloader. */
    public FileAdapter bootloader() {
        return new FileAdapter(config().bootloaderOptions());
    }

    /** A slot's state in status.json. */
    public SlotState state(String slot) {
        return status(slot).state();
    }

    public SlotStatus status(String slot) {
        return slots().current().slot(slot);
    }

    /** The install journal, when an install was interrupted. */
    public Path journal() {
        return dataDir.resolve("install.json");
    }

    public SavedTables savedTables() {
        return new SavedTables(dataDir.resolve("slots"));
    }

    public Installer installer(InstallSettings settings) {
        return new Installer(slots(), settings);
    }

    Installer installer(InstallSettings settings, java.util.function.UnaryOperator<dev.tandem.storage.BlockTarget> wrap) {
        return new Installer(slots(), settings, new TargetOpener(dev.tandem.slot.MountTable.PROC_MOUNTINFO, wrap));
    }

    /** Installs a bundle file with default settings and options. */
    public InstallResult install(Path bundle) throws IOException {
        return install(bundle, InstallOptions.defaults());
    }

    public InstallResult install(Path bundle, InstallOptions options) throws IOException {
        try (BundleSource source = FileSource.open(bundle)) {
            return installer(InstallSettings.defaults()).install(source, options, InstallListener.NONE);
        }
    }

    /** A bundle writer for this device: compatible set, signed by the device's development signer. */
    public BundleWriter bundle(String version) {
        SigningKey key = SigningKey.load(pki.resolve("signer.pem"), pki.resolve("signer.key").toString());
        return new BundleWriter().compatible(COMPATIBLE).version(version)
                .signer(m -> CmsSigner.sign(m, List.of(key)));
    }

    /** Writes a one-image ({@code rootfs}) bundle of {@code image}. */
    public Path bundle(String version, Path image, Path out) throws IOException {
        bundle(version).image("rootfs", "rootfs", image).write(out);
        return out;
    }

    // ---- images ----

    /** Random bytes, reproducible from {@code seed}. */
    public static Path randomImage(Path file, long size, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] buf = new byte[1 << 20];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long at = 0;
            while (at < size) {
                int n = (int) Math.min(buf.length, size - at);
                fill(rnd, buf, n);
                write(ch, ByteBuffer.wrap(buf, 0, n), at);
                at += n;
            }
        }
        return file;
    }

    /**
     * Random bytes with zero regions: every third MiB is zero, and so are a few single 4 KiB blocks elsewhere,
     * so the bundle has zero chunks and chunks that are partly zero. The file is sparse where it is zero.
     */
    public static Path imageWithZeroRegions(Path file, long size, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] buf = new byte[1 << 20];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long mib = 0;
            for (long at = 0; at < size; at += buf.length, mib++) {
                int n = (int) Math.min(buf.length, size - at);
                if (mib % 3 == 1) {
                    continue;
                }
                fill(rnd, buf, n);
                for (int b = 4096 * 7; b + 4096 <= n; b += 4096 * 29) {
                    Arrays.fill(buf, b, b + 4096, (byte) 0);
                }
                write(ch, ByteBuffer.wrap(buf, 0, n), at);
            }
            ch.truncate(size);
            if (ch.size() < size) {
                write(ch, ByteBuffer.allocate(1), size - 1);
            }
        }
        return file;
    }

    /**
     * An ext4 image of {@code size} holding {@code files} random files of 256 KiB, made with {@code mke2fs -d}
     * (no root needed); empty when mke2fs is not installed.
     */
    public static Optional<Path> ext4Image(Path file, long size, int files, long seed) throws IOException {
        if (!Files.isExecutable(Path.of("/usr/sbin/mke2fs")) && !Files.isExecutable(Path.of("/sbin/mke2fs"))) {
            return Optional.empty();
        }
        Path tree = Files.createDirectories(file.resolveSibling(file.getFileName() + ".tree"));
        Files.createDirectories(tree.resolve("etc"));
        Files.writeString(tree.resolve("etc/os-release"), "NAME=test\nVERSION_ID=" + seed + "\n");
        for (int f = 0; f < files; f++) {
            randomImage(tree.resolve("file" + f + ".bin"), 256 << 10, seed * 1000 + f);
        }
        Process p = new ProcessBuilder("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-E",
                "root_owner=0:0,nodiscard", "-d", tree.toString(), file.toString(), (size >> 10) + "k")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("mke2fs failed: " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return Optional.of(file);
    }

    private static void fill(SplittableRandom rnd, byte[] buf, int n) {
        for (int i = 0; i < n; i += 8) {
            long v = rnd.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) {
                buf[i + j] = (byte) (v >>> (8 * j));
            }
        }
    }

    private static void write(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
    }

    // ---- bundles ----

    /** Where chunk {@code chunk} of the first image is stored in a bundle file: absolute offset and length. */
    public record StoredChunk(long offset, int length, long dataOffset, long dataLength) {
    }

    /** Locates chunk {@code chunk} of a bundle's first image (read without checking the signature). */
    public static StoredChunk storedChunk(Path bundle, long chunk) throws IOException {
        try (FileSource s = FileSource.open(bundle);
             BundleReader r = BundleReader.open(s, ManifestVerifier.unverified(), null)) {
            ImageSection section = r.nextImage();
            if (section.index().storedLength(chunk) == 0) {
                throw new IllegalArgumentException("chunk " + chunk + " is a zero chunk: nothing stored");
            }
            return new StoredChunk(section.storedChunkOffset(chunk), section.index().storedLength(chunk),
                    section.dataOffset(), section.index().storedTotal());
        }
    }

    /** Inverts one byte of a file in place. */
    public static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) ~b.get(0)).rewind();
            ch.write(b, offset);
        }
    }

    // ---- slots ----

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) throws IOException {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    /** Whether the slot's first {@code size(image)} bytes equal the image. */
    public static boolean slotHolds(Path slot, Path image) throws IOException {
        return firstDifference(slot, image) < 0;
    }

    /** Offset of the first byte where the slot differs from the image, or -1. */
    public static long firstDifference(Path slot, Path image) throws IOException {
        long size = Files.size(image);
        byte[] a = new byte[1 << 20];
        byte[] b = new byte[1 << 20];
        try (InputStream s = Files.newInputStream(slot); InputStream i = Files.newInputStream(image)) {
            long at = 0;
            while (at < size) {
                int n = (int) Math.min(a.length, size - at);
                if (s.readNBytes(a, 0, n) < n || i.readNBytes(b, 0, n) < n) {
                    return at;
                }
                int m = Arrays.mismatch(a, 0, n, b, 0, n);
                if (m >= 0) {
                    return at + m;
                }
                at += n;
            }
        }
        return -1;
    }

    /**
     * The chunks of the slot that hold neither the image's bytes nor zeros (what an untouched test slot holds):
     * bytes that no verified write can have produced.
     */
    public static List<Long> foreignChunks(Path slot, Path image, int chunkSize) throws IOException {
        long size = Files.size(image);
        byte[] a = new byte[chunkSize];
        byte[] b = new byte[chunkSize];
        List<Long> out = new ArrayList<>();
        try (InputStream s = Files.newInputStream(slot); InputStream i = Files.newInputStream(image)) {
            for (long c = 0; c * chunkSize < size; c++) {
                int n = (int) Math.min(chunkSize, size - c * chunkSize);
                s.readNBytes(a, 0, n);
                i.readNBytes(b, 0, n);
                if (!Arrays.equals(a, 0, n, b, 0, n) && !allZero(a, n)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /** Whether {@code length} bytes of a file at {@code offset} are all zero. */
    public static boolean zeroAt(Path file, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
                // reads until full or the end
            }
            return allZero(b.array(), b.position());
        }
    }

    private static boolean allZero(byte[] a, int n) {
        for (int k = 0; k < n; k++) {
            if (a[k] != 0) {
                return false;
            }
        }
        return true;
    }
}
