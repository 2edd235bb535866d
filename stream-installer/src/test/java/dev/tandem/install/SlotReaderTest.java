package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.VerificationException;
import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.FileBlockTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reading a slot back: the check of a written image against its signed chunk hashes, and the hashing of a slot
 * without saved tables. Both read only as far as the image: the slot (a partition) is usually larger. Hashing a
 * slot reads batches of chunks while verify threads hash the batches before: the tables must be those of one chunk
 * after the other, and no thread may outlive the call.
 */
class SlotReaderTest {

    private static final int CHUNK = 16 * 1024;
    /** Three chunks, the last one short. */
    private static final byte[] IMAGE = new byte[2 * CHUNK + 10_000];

    static {
        new SplittableRandom(5).nextBytes(IMAGE);
    }

    @TempDir
    Path dir;
    private final ChunkIndex index = RawChunks.index(IMAGE, CHUNK);

    /** A slot holding the image, then {@code more} bytes of something else. */
    private Path slot(byte[] image, int more) throws IOException {
        byte[] s = Arrays.copyOf(image, image.length + more);
        Arrays.fill(s, image.length, s.length, (byte) 0x5A);
        return Files.write(dir.resolve("slot"), s);
    }

    private String verify(Path slot, SavedTables tables, String name) throws IOException {
        try (BlockTarget t = FileBlockTarget.open(slot); SavedTables.Builder b = tables.builder(name, IMAGE.length,
                CHUNK)) {
            String sha = SlotReader.verify(t, index, b, new ProgressTracker(new InstallListener() { }, IMAGE.length));
            b.commit();
            return sha;
        }
    }

    @Test
    void checksEveryChunkOfTheImageReturnsItsSha256AndRecordsItsTables() throws IOException {
        SavedTables tables = new SavedTables(dir.resolve("tables"));
        String sha = verify(slot(IMAGE, 5000), tables, "B");
        assertThat(sha).isEqualTo(HexFormat.of().formatHex(ChunkHasher.sha256().digest(IMAGE)));
        SavedTables.SavedChunks chunks = tables.chunks("B");
        assertThat(chunks.count()).isEqualTo(3);
        for (long i = 0; i < 3; i++) {
            assertThat(chunks.hashEquals(i, index, i)).as("chunk %d", i).isTrue();
        }
    }

    @Test
    void aChangedByteInTheLastChunkFailsTheCheck() throws IOException {
        byte[] changed = IMAGE.clone();
        changed[IMAGE.length - 1] ^= 1;
        Path slot = slot(changed, 5000);
        assertThatThrownBy(() -> verify(slot, new SavedTables(dir.resolve("tables")), "B"))
                .isInstanceOf(VerificationException.class);
    }

    @Test
    void aSlotThatEndsBeforeTheImageIsAnIoErrorSayingWhere() throws IOException {
        Path slot = Files.write(dir.resolve("slot"), Arrays.copyOf(IMAGE, IMAGE.length - 1));
        assertThatThrownBy(() -> verify(slot, new SavedTables(dir.resolve("tables")), "B"))
                .isInstanceOf(IOException.class).hasMessageEndingWith(": ends before byte " + IMAGE.length);
    }

    @Test
    void hashesASlotAsFarAsTheImageTheSameAsTheCheckRecordsIt() throws IOException {
        SavedTables tables = new SavedTables(dir.resolve("tables"));
        Path slot = slot(IMAGE, 5000);
        verify(slot, tables, "B");
        try (BlockTarget t = FileBlockTarget.openReadOnly(slot); SavedTables.Builder b = tables.builder("A",
                IMAGE.length, CHUNK)) {
            SlotReader.hashSlot(t, IMAGE.length, CHUNK, 2, b);
        }
        SavedTables.SavedChunks chunks = tables.chunks("A");
        assertThat(chunks).as("committed").isNotNull();
        assertThat(chunks.count()).isEqualTo(3);
        for (long i = 0; i < 3; i++) {
            assertThat(chunks.hashEquals(i, index, i)).as("chunk %d", i).isTrue();
        }
        assertThat(Files.readAllBytes(tables.blkFile("A"))).as("block hashes")
                .isEqualTo(Files.readAllBytes(tables.blkFile("B")));
    }

    @Test
    void hashingASlotThatEndsBeforeTheImageIsAnIoError() throws IOException {
        Path slot = Files.write(dir.resolve("slot"), Arrays.copyOf(IMAGE, IMAGE.length - 1));
        SavedTables tables = new SavedTables(dir.resolve("tables"));
        try (BlockTarget t = FileBlockTarget.openReadOnly(slot); SavedTables.Builder b = tables.builder("A",
                IMAGE.length, CHUNK)) {
            assertThatThrownBy(() -> SlotReader.hashSlot(t, IMAGE.length, CHUNK, 2, b))
                    .isInstanceOf(IOException.class).hasMessageEndingWith(": ends before byte " + IMAGE.length);
        }
        assertThat(tables.has("A")).isFalse();
    }

    private static final int MIB = 1 << 20;
    /** A partition's content: more than the hashing window of any case below holds, so its buffers are reused. */
    private static final byte[] PARTITION = new byte[12 * MIB + 5000];

    static {
        new SplittableRandom(17).nextBytes(PARTITION);
    }

    /**
     * Sizes around a chunk and a batch ({@link SlotReader#HASH_BATCH_BYTES}), with one to three workers: with 16 KiB
     * chunks a batch is 64 chunks; with 2 MiB chunks it is one chunk.
     */
    @ParameterizedTest(name = "{0} bytes in chunks of {1}, {2} worker(s)")
    @CsvSource({
            "0, 16384, 2",
            "1, 16384, 2",
            "16383, 16384, 1",
            "16385, 16384, 2",
            "1048576, 16384, 2",
            "1048577, 16384, 2",
            "11596923, 16384, 1",
            "11596923, 16384, 2",
            "11596923, 16384, 3",
            "12582912, 65536, 2",
            "10485765, 2097152, 1",
            "10485765, 2097152, 2",
    })
    void hashingASlotOnWorkersRecordsExactlyTheTablesOfOneChunkAfterTheOther(long size, int chunkSize, int workers)
            throws IOException {
        Path slot = Files.write(dir.resolve("slot"), PARTITION);
        SavedTables tables = new SavedTables(dir.resolve("tables"));
        try (SavedTables.Builder b = tables.builder("expected", size, chunkSize)) {
            hashChunkAfterChunk(size, chunkSize, b);
        }
        try (BlockTarget t = FileBlockTarget.openReadOnly(slot);
             SavedTables.Builder b = tables.builder("A", size, chunkSize)) {
            SlotReader.hashSlot(t, size, chunkSize, workers, b);
        }
        assertThat(installThreads()).as("threads alive after hashing").isEmpty();
        assertThat(Files.readAllBytes(tables.idxFile("A"))).as("chunk table")
                .isEqualTo(Files.readAllBytes(tables.idxFile("expected")));
        assertThat(Files.readAllBytes(tables.blkFile("A"))).as("block table")
                .isEqualTo(Files.readAllBytes(tables.blkFile("expected")));
    }

    @Test
    void hashingASlotThatEndsInALaterBatchFailsNamingItCommitsNothingAndLeavesNoThreadBehind() throws IOException {
        // Ends 100 bytes into the sixth batch, with the batches before it still being hashed.
        int batch = SlotReader.HASH_BATCH_BYTES;
        Path slot = Files.write(dir.resolve("slot"), Arrays.copyOf(PARTITION, 5 * batch + 100));
        SavedTables tables = new SavedTables(dir.resolve("tables"));
        long size = 8 * MIB;
        try (BlockTarget t = FileBlockTarget.openReadOnly(slot);
             SavedTables.Builder b = tables.builder("A", size, CHUNK)) {
            assertThatThrownBy(() -> SlotReader.hashSlot(t, size, CHUNK, 2, b))
                    .isInstanceOf(IOException.class).hasMessage(slot + ": ends before byte " + 6L * batch);
            assertThat(installThreads()).as("threads alive after a failed hashing").isEmpty();
        }
        assertThat(tables.has("A")).isFalse();
    }

    /** The tables as one thread computes them, one chunk after the other, from the whole partition in memory. */
    private static void hashChunkAfterChunk(long size, int chunkSize, SavedTables.Builder b) throws IOException {
        ChunkHasher hasher = new ChunkHasher();
        byte[] blocks = new byte[chunkSize / 4096 * ChunkHasher.HASH_SIZE];
        byte[] chunkHash = new byte[ChunkHasher.HASH_SIZE];
        for (long i = 0; i * chunkSize < size; i++) {
            int len = (int) Math.min(chunkSize, size - i * chunkSize);
            hasher.hash(PARTITION, (int) (i * chunkSize), len, blocks, chunkHash, 0);
            b.chunk(i, chunkHash, blocks, len);
        }
        b.commit();
    }

    private static List<String> installThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("install-")).toList();
    }
}
