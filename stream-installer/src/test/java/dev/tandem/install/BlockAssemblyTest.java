package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.bundle.ImageEntry;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.install.http.HttpSource;
import dev.tandem.serve.StaticFileServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Route 3 of ARCHITECTURE.md §4 "Adaptive": chunks assembled from local 4 KiB blocks found through the bundle's
 * (unsigned) block hints, checked against the signed chunk hash before they are written.
 */
class BlockAssemblyTest {

    private static final int CHUNK = 64 * 1024;
    private static final int SIZE = 8 << 20;

    @TempDir
    Path dir;

    /** {@code blocks} new 4 KiB blocks, then {@code old} moved up by as much: no chunk of it is where it was. */
    static byte[] shifted(byte[] old, int blocks, long seed) {
        byte[] b = new byte[old.length];
        int shift = blocks * ImageEntry.BLOCK_SIZE;
        System.arraycopy(ReuseDevice.halfRandom(shift, seed), 0, b, 0, shift);
        System.arraycopy(old, 0, b, shift, old.length - shift);
        return b;
    }

    @Test
    void anImageWhoseBlocksMovedIsAssembledFromLocalBlocks() throws Exception {
        ReuseDevice device = ReuseDevice.create(dir, SIZE);
        byte[] v1 = ReuseDevice.halfRandom(SIZE, 7);
        Path old = Files.write(dir.resolve("v1.img"), v1);
        Path img = Files.write(dir.resolve("v2.img"), shifted(v1, 3, 8));
        device.flashA(old);
        Path bundle = device.bundle(img, "2.0.0", CHUNK);

        InstallResult r = device.install(bundle, true);

        ReuseDevice.Layout layout = ReuseDevice.layout(bundle);
        // Only chunk 0 holds new blocks; every other chunk is made of blocks already on A.
        long chunk0 = layout.section().index().storedLength(0);
        assertThat(r.downloaded()).isLessThanOrEqualTo(layout.container() + layout.hintsSize() + chunk0);
        assertThat(r.reused()).isEqualTo(SIZE - CHUNK);
        assertThat(ReuseDevice.sha256(device.slotB, SIZE)).isEqualTo(ReuseDevice.sha256(img, SIZE));
    }

    @Test
    void lyingHintsCostDownloadsNeverAWrongByte() throws Exception {
        ReuseDevice device = ReuseDevice.create(dir, SIZE);
        byte[] v1 = ReuseDevice.halfRandom(SIZE, 9);
        Path old = Files.write(dir.resolve("v1.img"), v1);
        Path img = Files.write(dir.resolve("v2.img"), shifted(v1, 3, 10));
        device.flashA(old);
        Path honest = device.bundle(img, "2.0.0", CHUNK);
        ReuseDevice.Layout layout = ReuseDevice.layout(honest);
        // Every chunk's hints are replaced by the next chunk's: each names blocks that exist on A, so every
        // chunk is planned for assembly and every assembly is wrong. Hints are not signed: the bundle still
        // verifies.
        byte[] hints = new byte[(int) layout.hintsSize()];
        try (var ch = java.nio.channels.FileChannel.open(honest)) {
            ch.read(java.nio.ByteBuffer.wrap(hints), layout.hintsOffset());
        }
        int per = 8 * layout.blocksPerChunk();
        byte[] lying = new byte[hints.length];
        System.arraycopy(hints, per, lying, 0, hints.length - per);
        System.arraycopy(hints, 0, lying, hints.length - per, per);
        Path bundle = ReuseDevice.patched(honest, "lying.tandem", layout.hintsOffset(), lying);

        InstallResult r = device.install(bundle, true);

        assertThat(ReuseDevice.sha256(device.slotB, SIZE)).isEqualTo(ReuseDevice.sha256(img, SIZE));
        assertThat(r.downloaded()).isGreaterThanOrEqualTo(layout.storedTotal());
        assertThat(device.notes).anyMatch(n -> n.contains("not found locally as planned"));
    }

    @Test
    void withoutASavedBlockTableNoHintsAreFetched() throws Exception {
        ReuseDevice device = ReuseDevice.create(dir, SIZE);
        byte[] v1 = ReuseDevice.halfRandom(SIZE, 11);
        Path old = Files.write(dir.resolve("v1.img"), v1);
        Path img = Files.write(dir.resolve("v2.img"), shifted(v1, 3, 12));
        device.flashA(old);
        Path bundle = device.bundle(img, "2.0.0", CHUNK);
        // A chunk table alone (as an older tandem saved it): chunks can be matched, blocks cannot.
        SavedTables tables = new SavedTables(device.dataDir.resolve("slots"));
        try (var in = dev.tandem.storage.FileBlockTarget.openReadOnly(device.slotA);
             SavedTables.Builder b = tables.builder("rootfs.0", SIZE, CHUNK)) {
            SlotReader.hashSlot(in, SIZE, CHUNK, 2, b);
        }
        device.forgetTablesOfA(true);

        InstallResult r = device.install(bundle, true);

        ReuseDevice.Layout layout = ReuseDevice.layout(bundle);
        // Everything up to the stored chunks except the hints entry, and every stored chunk: not one hint.
        assertThat(r.downloaded()).isLessThanOrEqualTo(layout.container() + layout.storedTotal())
                .isGreaterThanOrEqualTo(layout.storedTotal());
        assertThat(ReuseDevice.sha256(device.slotB, SIZE)).isEqualTo(ReuseDevice.sha256(img, SIZE));
    }

    @Test
    void hintsAreFetchedOverHttpInFewRangeRequests() throws Exception {
        int size = 32 << 20;
        ReuseDevice device = ReuseDevice.create(dir, size);
        byte[] v1 = ReuseDevice.halfRandom(size, 13);
        Path old = Files.write(dir.resolve("v1.img"), v1);
        Path img = Files.write(dir.resolve("v2.img"), shifted(v1, 5, 14));
        device.flashA(old);
        Path bundle = device.bundle(img, "2.0.0", CHUNK);
        ReuseDevice.Layout layout = ReuseDevice.layout(bundle);

        InstallResult r;
        long requests;
        try (StaticFileServer server = new StaticFileServer(dir)) {
            int port = server.start(new InetSocketAddress("127.0.0.1", 0));
            URI url = URI.create("http://127.0.0.1:" + port + "/" + bundle.getFileName());
            try (HttpSource source = HttpSource.open(url, HttpOptions.defaults())) {
                r = device.install(source, true);
                requests = source.requestsSent();
            }
            assertThat(server.bytesServed()).isGreaterThanOrEqualTo(r.downloaded() - 1);
        }

        assertThat(ReuseDevice.sha256(device.slotB, size)).isEqualTo(ReuseDevice.sha256(img, size));
        // The first 64 KiB window, the rest of the header up to the hints (as the reader announced it), one
        // request per hints batch (64, 256, then the remaining 192 chunks: each batch is one contiguous range),
        // one for chunk 0, one for the end of the container.
        assertThat(requests).isLessThanOrEqualTo(7);
        // Bounded by what the first GET may have buffered beyond the index (1 MiB of HTTP buffer plus the
        // socket's), the hints and chunk 0: a small part of a bundle whose chunks are half random.
        assertThat(r.downloaded()).isLessThan(layout.dataOffset() + (3L << 20))
                .isLessThan(layout.storedTotal() / 4);
    }

    @Test
    void scatteredHintsAreFetchedWithoutTheGapsBetweenThem() throws Exception {
        int size = 64 << 20;
        ReuseDevice device = ReuseDevice.create(dir, size);
        byte[] v1 = ReuseDevice.halfRandom(size, 15);
        byte[] v2 = v1.clone();
        // Ten changed chunks 100 chunks apart: their hints are 12.8 KiB apart in the .blk entry.
        List<Long> changed = new ArrayList<>();
        for (long c = 5; c < size / CHUNK; c += 100) {
            changed.add(c);
            System.arraycopy(ReuseDevice.halfRandom(CHUNK, c), 0, v2, (int) c * CHUNK, CHUNK);
        }
        Path old = Files.write(dir.resolve("v1.img"), v1);
        Path img = Files.write(dir.resolve("v2.img"), v2);
        device.flashA(old);
        Path bundle = device.bundle(img, "2.0.0", CHUNK);
        ReuseDevice.Layout layout = ReuseDevice.layout(bundle);
        long storedChanged = changed.stream().mapToLong(c -> layout.section().index().storedLength(c)).sum();

        InstallResult r;
        try (StaticFileServer server = new StaticFileServer(dir)) {
            int port = server.start(new InetSocketAddress("127.0.0.1", 0));
            URI url = URI.create("http://127.0.0.1:" + port + "/" + bundle.getFileName());
            try (HttpSource source = HttpSource.open(url, HttpOptions.defaults())) {
                r = device.install(source, true);
            }
        }

        assertThat(ReuseDevice.sha256(device.slotB, size)).isEqualTo(ReuseDevice.sha256(img, size));
        // Not the 64 KiB of hints between the first and the last changed chunk (the .blk entry is 128 KiB).
        assertThat(r.downloaded()).isLessThan(layout.container() + (2L << 20)
                + storedChanged + changed.size() * 128L);
    }

    @Test
    void aRebuiltExt4ImageIsAssembledMostlyFromLocalBlocks() throws Exception {
        assumeTrue(onPath("mke2fs"), "mke2fs (e2fsprogs) is needed to build ext4 images");
        long size = 48L << 20;
        Path tree = dir.resolve("tree");
        SplittableRandom rnd = new SplittableRandom(42);
        for (int d = 0; d < 12; d++) {
            Path sub = Files.createDirectories(tree.resolve("usr/lib/pkg" + d));
            for (int f = 0; f < 25; f++) {
                int len = 1024 + rnd.nextInt(96 * 1024);
                Files.write(sub.resolve("file" + f + ".so"), ReuseDevice.halfRandom(len, rnd.nextLong()));
            }
        }
        Path old = mkfs(tree, dir.resolve("v1.img"), size);
        // The same tree plus one small package, into a fresh file system: file data lands in other blocks.
        Path pkg = Files.createDirectories(tree.resolve("usr/lib/aaa-new"));
        for (int f = 0; f < 3; f++) {
            Files.write(pkg.resolve("new" + f), ReuseDevice.halfRandom(20_000 + f * 7000, 1000 + f));
        }
        Path img = mkfs(tree, dir.resolve("v2.img"), size);

        ReuseDevice device = ReuseDevice.create(dir, size);
        device.flashA(old);
        Path bundle = device.bundle(img, "2.0.0", CHUNK);
        InstallResult withBlocks = device.install(bundle, true);
        assertThat(ReuseDevice.sha256(device.slotB, size)).isEqualTo(ReuseDevice.sha256(img, size));

        // The same install with chunk matching only (A's block table forgotten, B wiped).
        ReuseDevice chunksOnly = ReuseDevice.create(Files.createDirectories(dir.resolve("chunks-only")), size);
        chunksOnly.flashA(old);
        try (var ch = java.nio.channels.FileChannel.open(chunksOnly.slotA)) {
            assertThat(ch.size()).isEqualTo(size);
        }
        SavedTables tables = new SavedTables(chunksOnly.dataDir.resolve("slots"));
        try (var in = dev.tandem.storage.FileBlockTarget.openReadOnly(chunksOnly.slotA);
             SavedTables.Builder b = tables.builder("rootfs.0", size, CHUNK)) {
            SlotReader.hashSlot(in, size, CHUNK, 2, b);
        }
        chunksOnly.forgetTablesOfA(true);
        InstallResult chunkMatching = chunksOnly.install(chunksOnly.bundle(img, "2.0.0", CHUNK), true);
        assertThat(ReuseDevice.sha256(chunksOnly.slotB, size)).isEqualTo(ReuseDevice.sha256(img, size));

        ReuseDevice.Layout layout = ReuseDevice.layout(bundle);
        long changedData = 20_000 + 27_000 + 34_000;
        assertThat(chunkMatching.downloaded()).as("the rebuild moved file data: chunk matching alone must download")
                .isGreaterThan(layout.storedTotal() / 3);
        assertThat(withBlocks.downloaded()).as("blocks found locally: about the new package and metadata")
                .isLessThan(chunkMatching.downloaded() / 3)
                .isLessThan(layout.container() + layout.hintsSize() + 20 * changedData);
    }

    private static Path mkfs(Path tree, Path img, long size) throws IOException, InterruptedException {
        Files.deleteIfExists(img);
        Process p = new ProcessBuilder("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-d", tree.toString(),
                img.toString(), (size >> 10) + "k").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return img;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }
}
