package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.storage.FileBlockTarget;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adaptive reuse, end to end through {@link Installer} on file slots: what an update downloads when most of it
 * is already on the booted slot, and that a saved table which no longer matches the slot costs downloads,
 * never a wrong byte.
 */
class AdaptiveReuseTest {

    private static final int CHUNK = 64 * 1024;
    private static final int SIZE = 8 << 20;

    @TempDir
    Path dir;

    @Test
    void imagesDifferingInKChunksDownloadAboutKChunksPlusTheIndex() throws Exception {
        ReuseDevice device = ReuseDevice.create(dir, SIZE);
        byte[] v1 = ReuseDevice.halfRandom(SIZE, 1);
        byte[] v2 = v1.clone();
        long[] changed = {3, 40, 41, 90, 127};
        for (long c : changed) {
            System.arraycopy(ReuseDevice.halfRandom(CHUNK, 100 + c), 0, v2, (int) c * CHUNK, CHUNK);
        }
        Path old = Files.write(dir.resolve("v1.img"), v1);
        Path img = Files.write(dir.resolve("v2.img"), v2);
        device.flashA(old);
        Path bundle = device.bundle(img, "2.0.0", CHUNK);

        InstallResult r = device.install(bundle, true);

        ReuseDevice.Layout layout = ReuseDevice.layout(bundle);
        long storedChanged = 0;
        for (long c : changed) {
            storedChanged += layout.section().index().storedLength(c);
        }
        // Marker, manifest, signature and index (everything before the hints), the changed chunks and at most
        // their hints: the hints entry itself is skipped, and so is every unchanged chunk.
        long hints = changed.length * 8L * layout.blocksPerChunk();
        assertThat(r.downloaded()).isGreaterThanOrEqualTo(storedChanged)
                .isLessThanOrEqualTo(layout.container() + storedChanged + hints);
        assertThat(r.reused()).isEqualTo(SIZE - (long) changed.length * CHUNK);
        assertThat(ReuseDevice.sha256(device.slotB, SIZE)).isEqualTo(ReuseDevice.sha256(img, SIZE));
    }

    /**
     * Local reuse at the same offset (route LOCAL, not assembly): slot A changed after its tables were saved, so
     * the table promises chunks that are no longer there. Each such chunk must fail its hash check and be
     * downloaded; a check that let the mismatch through would write A's new bytes to B.
     */
    @Test
    void staleLocalDataAtTheSameOffsetIsCaughtAndDownloaded() throws Exception {
        ReuseDevice device = ReuseDevice.create(dir, SIZE);
        byte[] v1 = ReuseDevice.halfRandom(SIZE, 3);
        byte[] v2 = v1.clone();
        System.arraycopy(ReuseDevice.halfRandom(CHUNK, 31), 0, v2, 100 * CHUNK, CHUNK);
        Path old = Files.write(dir.resolve("v1.img"), v1);
        Path img = Files.write(dir.resolve("v2.img"), v2);
        device.flashA(old);
        SavedTables tables = new SavedTables(device.dataDir.resolve("slots"));
        try (var in = FileBlockTarget.openReadOnly(device.slotA);
             SavedTables.Builder b = tables.builder("rootfs.0", SIZE, CHUNK)) {
            SlotReader.hashSlot(in, SIZE, CHUNK, 2, b);
        }
        // Chunks 8-15 of A are rewritten behind the installer's back; the table still lists v1's hashes there.
        int staleFrom = 8;
        int staleChunks = 8;
        try (var out = FileBlockTarget.open(device.slotA)) {
            out.write(ByteBuffer.wrap(ReuseDevice.random(staleChunks * CHUNK, 32)), (long) staleFrom * CHUNK);
        }
        Path bundle = device.bundle(img, "2.0.0", CHUNK);

        InstallResult r = device.install(bundle, true);

        assertThat(ReuseDevice.sha256(device.slotB, SIZE)).isEqualTo(ReuseDevice.sha256(img, SIZE));
        ReuseDevice.Layout layout = ReuseDevice.layout(bundle);
        long storedStale = layout.section().index().storedLength(100);
        for (int c = staleFrom; c < staleFrom + staleChunks; c++) {
            storedStale += layout.section().index().storedLength(c);
        }
        assertThat(r.downloaded()).isGreaterThanOrEqualTo(storedStale);
        assertThat(r.reused()).isEqualTo(SIZE - (staleChunks + 1L) * CHUNK);
        assertThat(device.notes).anyMatch(n -> n.contains("not found locally as planned"));
    }

    @Test
    void aStaleSavedTableCostsDownloadsNeverAWrongByte() throws Exception {
        ReuseDevice device = ReuseDevice.create(dir, SIZE);
        byte[] v1 = ReuseDevice.halfRandom(SIZE, 2);
        Path old = Files.write(dir.resolve("v1.img"), v1);
        Path img = Files.write(dir.resolve("v2.img"), BlockAssemblyTest.shifted(v1, 3, 22));
        device.flashA(old);
        // The tables describe slot A as flashed; then the slot changes behind the installer's back (a
        // read-write mount, a repair tool): blocks 0-511 of A, the image's first quarter, are rewritten.
        SavedTables tables = new SavedTables(device.dataDir.resolve("slots"));
        try (var in = FileBlockTarget.openReadOnly(device.slotA);
             SavedTables.Builder b = tables.builder("rootfs.0", SIZE, CHUNK)) {
            SlotReader.hashSlot(in, SIZE, CHUNK, 2, b);
        }
        try (var out = FileBlockTarget.open(device.slotA)) {
            out.write(ByteBuffer.wrap(ReuseDevice.random(SIZE / 4, 23)), 0);
        }
        Path bundle = device.bundle(img, "2.0.0", CHUNK);

        InstallResult r = device.install(bundle, true);

        ReuseDevice.Layout layout = ReuseDevice.layout(bundle);
        assertThat(ReuseDevice.sha256(device.slotB, SIZE)).isEqualTo(ReuseDevice.sha256(img, SIZE));
        // A quarter of the image was planned from stale entries and had to be downloaded after all; the rest
        // was assembled from blocks that are still there.
        assertThat(r.downloaded()).isGreaterThan(layout.storedTotal() / 5)
                .isLessThan(layout.container() + layout.hintsSize() + layout.storedTotal() / 2);
        assertThat(r.reused()).isGreaterThan(SIZE / 2);
    }

    @Test
    void aSlotWithoutSavedTablesIsHashedOnceAndThenReused() throws Exception {
        ReuseDevice device = ReuseDevice.create(dir, SIZE);
        byte[] v1 = ReuseDevice.halfRandom(SIZE, 4);
        Path old = Files.write(dir.resolve("v1.img"), v1);
        Path img = Files.write(dir.resolve("v2.img"), BlockAssemblyTest.shifted(v1, 1, 5));
        device.flashA(old);
        Path bundle = device.bundle(img, "2.0.0", CHUNK);

        InstallResult r = device.install(bundle, true);

        assertThat(Files.exists(device.dataDir.resolve("slots/rootfs.0.blk"))).isTrue();
        assertThat(r.reused()).isGreaterThan(SIZE - 2L * CHUNK);
        assertThat(ReuseDevice.sha256(device.slotB, SIZE)).isEqualTo(ReuseDevice.sha256(img, SIZE));
    }

    @Test
    void aFactoryFlashedSlotIsHashedAsFarAsTheImageNotTheWholePartition() throws Exception {
        long partition = 8L * SIZE;
        ReuseDevice device = ReuseDevice.create(dir, partition);
        byte[] v1 = ReuseDevice.halfRandom(SIZE, 5);
        Path old = Files.write(dir.resolve("v1.img"), v1);
        Path img = Files.write(dir.resolve("v2.img"), BlockAssemblyTest.shifted(v1, 1, 5));
        device.flashA(old);
        Path bundle = device.bundle(img, "2.0.0", CHUNK);

        InstallResult r = device.install(bundle, true);

        // The saved table of A says how much of it was hashed: the image's length, not the partition's.
        SavedTables.SavedChunks hashedA = new SavedTables(device.dataDir.resolve("slots")).chunks("rootfs.0");
        assertThat(hashedA).isNotNull();
        assertThat(hashedA.imageSize()).isEqualTo(SIZE);
        assertThat(r.reused()).isGreaterThan(SIZE - 2L * CHUNK);
        assertThat(ReuseDevice.sha256(device.slotB, SIZE)).isEqualTo(ReuseDevice.sha256(img, SIZE));
    }
}
