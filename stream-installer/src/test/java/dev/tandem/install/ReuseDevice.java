package dev.tandem.install;

import dev.tandem.storage.FileBlockTarget;
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
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A device for adaptive-reuse tests: two file slots (rootfs.0 = A, rootfs.1 = B), the file bootloader, a
 * development PKI, all in one directory. The old image is flashed on A, which the tests declare booted, so
 * every install goes to B and may reuse A.
 */
final class ReuseDevice {

    final Path dir;
    final Path slotA;
    final Path slotB;
    final Path dataDir;
    private final Path config;
    private final SigningKey key;
    final List<String> notes = new ArrayList<>();

    private ReuseDevice(Path dir, Path config, SigningKey key) {
        this.dir = dir;
        this.slotA = dir.resolve("slot-a.img");
        this.slotB = dir.resolve("slot-b.img");
        this.dataDir = dir.resolve("data");
        this.config = config;
        this.key = key;
    }

    static ReuseDevice create(Path dir, long slotSize) throws IOException {
        Path pki = dir.resolve("pki");
        DevCa.create(pki, DevCa.KeyType.EC_P256);
        for (String s : List.of("slot-a.img", "slot-b.img")) {
            try (var ch = java.nio.channels.FileChannel.open(dir.resolve(s), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(slotSize);
                ch.write(java.nio.ByteBuffer.allocate(1), slotSize - 1);
            }
        }
        Path config = dir.resolve("system.toml");
        Files.writeString(config, """
                compatible = "reuse-test"
                bootloader = "file"
                data-dir   = "data"
                keyring    = "pki/keyring.pem"
                [slots."rootfs.0"]
                device   = "%s"
                class    = "rootfs"
                bootname = "A"
                [slots."rootfs.1"]
                device   = "%s"
                class    = "rootfs"
                bootname = "B"
                """.formatted(dir.resolve("slot-a.img"), dir.resolve("slot-b.img")));
        return new ReuseDevice(dir, config, SigningKey.load(pki.resolve("signer.pem"),
                pki.resolve("signer.key").toString()));
    }

    /** Copies {@code image} onto slot A from byte 0, as a factory would. */
    void flashA(Path image) throws IOException {
        try (var in = FileBlockTarget.openReadOnly(image); var out = FileBlockTarget.open(slotA)) {
            byte[] buf = new byte[1 << 20];
            long at = 0;
            while (true) {
                int n = in.read(java.nio.ByteBuffer.wrap(buf), at);
                if (n <= 0) {
                    break;
                }
                out.write(java.nio.ByteBuffer.wrap(buf, 0, n), at);
                at += n;
            }
            out.sync();
        }
    }

    /** A signed bundle of {@code image} with the given chunk size, in the device directory. */
    Path bundle(Path image, String version, int chunkSize) throws IOException {
        Path out = dir.resolve("rootfs-" + version + "-" + chunkSize + ".tandem");
        new BundleWriter().compatible("reuse-test").version(version).image("rootfs", "rootfs", image)
                .chunkSize(chunkSize).signer(m -> CmsSigner.sign(m, List.of(key))).write(out);
        return out;
    }

    /** Installs into B with A booted, without activating. */
    InstallResult install(BundleSource source, boolean reuseLocal) throws IOException {
        SystemConfig cfg = SystemConfig.load(config);
        DeviceSlots slots = DeviceSlots.open(cfg, "rootfs.0");
        InstallSettings settings = InstallSettings.defaults().withReuseLocal(reuseLocal);
        return new Installer(slots, settings).install(source, new InstallOptions(true, true, true, true, true),
                new InstallListener() {
                    @Override
                    public void phase(InstallPhase phase, String detail) {
                    }

                    @Override
                    public void progress(InstallProgress progress) {
                    }

                    @Override
                    public void note(String message) {
                        notes.add(message);
                    }
                });
    }

    InstallResult install(Path bundle, boolean reuseLocal) throws IOException {
        try (FileSource s = FileSource.open(bundle)) {
            return install(s, reuseLocal);
        }
    }

    /** Forgets everything the installer saved about slot A (its tables), or only its block table. */
    void forgetTablesOfA(boolean blocksOnly) throws IOException {
        Files.deleteIfExists(dataDir.resolve("slots/rootfs.0.blk"));
        if (!blocksOnly) {
            Files.deleteIfExists(dataDir.resolve("slots/rootfs.0.idx"));
        }
    }

    /** Where the image's entries sit in a bundle (read without checking the signature: a test helper). */
    static Layout layout(Path bundle) throws IOException {
        try (BundleReader r = BundleReader.open(FileSource.open(bundle), ManifestVerifier.unverified(), null)) {
            ImageSection s = r.nextImage();
            return new Layout(s.hintsOffset(), s.dataOffset(), s.index().storedTotal(), s.index().count(),
                    s.index().nonZeroCount(), s.image().blocksPerChunk(),
                    Files.size(bundle) - s.dataOffset() - s.index().storedTotal(), s);
        }
    }

    /** Bundle offsets of one image; {@code section} answers offset questions only (its source is closed). */
    record Layout(long hintsOffset, long dataOffset, long storedTotal, long chunks, long nonZeroChunks,
                  int blocksPerChunk, long trailer, ImageSection section) {
        /** What any install reads besides hints and chunks: marker, manifest, signature, index, headers, end. */
        long container() {
            return dataOffset - hintsSize() + trailer;
        }

        long hintsSize() {
            return 8L * blocksPerChunk * nonZeroChunks;
        }
    }

    /** Makes a copy of {@code bundle} whose bytes at {@code offset} are replaced (unsigned parts only, please). */
    static Path patched(Path bundle, String name, long offset, byte[] bytes) throws IOException {
        Path out = bundle.resolveSibling(name);
        Files.copy(bundle, out, StandardCopyOption.REPLACE_EXISTING);
        try (var ch = java.nio.channels.FileChannel.open(out, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes), offset);
        }
        return out;
    }

    /** SHA-256 of the first {@code length} bytes of a file. */
    static String sha256(Path p, long length) throws IOException {
        MessageDigest md = dev.tandem.bundle.ChunkHasher.sha256();
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException(p + " is shorter than " + length);
                }
                md.update(buf, 0, n);
                left -= n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Random bytes, reproducible from a seed. */
    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < size; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8 && i + k < size; k++) {
                b[i + k] = (byte) (v >>> (8 * k));
            }
        }
        return b;
    }

    /** Half-compressible random data: random bytes in the low nibble, so zstd stores about half. */
    static byte[] halfRandom(int size, long seed) {
        byte[] b = random(size, seed);
        for (int i = 0; i < size; i++) {
            b[i] &= 0x0f;
        }
        return b;
    }
}
