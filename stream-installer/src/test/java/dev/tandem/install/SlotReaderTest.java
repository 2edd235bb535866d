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
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a slot back: the check of a written image against its signed chunk hashes, and the hashing of a slot
 * without saved tables. Both read only as far as the image: the slot (a partition) is usually larger.
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
            SlotReader.hashSlot(t, IMAGE.length, CHUNK, b);
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
            assertThatThrownBy(() -> SlotReader.hashSlot(t, IMAGE.length, CHUNK, b))
                    .isInstanceOf(IOException.class).hasMessageEndingWith(": ends before byte " + IMAGE.length);
        }
        assertThat(tables.has("A")).isFalse();
    }
}
