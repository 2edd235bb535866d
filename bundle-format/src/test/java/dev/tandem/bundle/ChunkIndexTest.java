package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tandem.bundle.VerificationException.Kind;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The rules of FORMAT.md §3 that {@link ChunkIndex#validate} checks on a table whose hash already matched. */
class ChunkIndexTest {

    private static final int CHUNK = 16 * 1024;
    /** Four chunks: raw, zero, zstd, short raw. */
    private static final long SIZE = 3L * CHUNK + 1000;
    private static final byte[] H0 = ChunkTable.hash(TestImages.random(CHUNK, 1));
    private static final byte[] H2 = ChunkTable.hash(TestImages.compressible(CHUNK, 2));
    private static final byte[] H3 = ChunkTable.hash(TestImages.random(1000, 3));

    /** A valid table; each test breaks one thing. */
    private static ChunkTable valid() {
        return new ChunkTable(SIZE, CHUNK)
                .record(0, H0, 0, CHUNK, 1)
                .zero(1)
                .record(2, H2, CHUNK, 500, 2)
                .record(3, H3, CHUNK + 500, 1000, 1);
    }

    @Test
    void acceptsAValidTableAndAnswersFromIt() {
        ChunkIndex index = valid().index();
        assertThat(index.count()).isEqualTo(4);
        assertThat(index.kind(0)).isEqualTo(ChunkKind.RAW);
        assertThat(index.kind(1)).isEqualTo(ChunkKind.ZERO);
        assertThat(index.kind(2)).isEqualTo(ChunkKind.ZSTD);
        assertThat(index.storedOffset(3)).isEqualTo(CHUNK + 500);
        assertThat(index.storedLength(2)).isEqualTo(500);
        assertThat(index.storedTotal()).isEqualTo(CHUNK + 1500);
        assertThat(index.nonZeroCount()).isEqualTo(3);
        assertThat(index.hash(2)).isEqualTo(H2);
        assertThat(index.hashEquals(3, H3, 0)).isTrue();
        assertThat(index.hashEquals(3, H2, 0)).isFalse();
        assertThat(index.nonZeroOrdinal(0)).isZero();
        assertThat(index.nonZeroOrdinal(2)).isEqualTo(1);
        assertThat(index.nonZeroOrdinal(3)).isEqualTo(2);
        assertThatThrownBy(() -> index.nonZeroOrdinal(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void acceptsTheTableOfAnEmptyImage() {
        ChunkIndex index = new ChunkTable(0, CHUNK).index();
        assertThat(index.count()).isZero();
        assertThat(index.storedTotal()).isZero();
    }

    @Nested
    class WhenTheHeaderDisagrees {

        @Test
        void refusesABadMagicVersionOrFlags() {
            for (int at : new int[] {0, 3, 5, 7}) {
                assertThat(refused(t -> t.poke(at, 0x7f))).isEqualTo("image rootfs: chunk table has a bad header"
                        + " (magic, version or flags)");
            }
        }

        @Test
        void refusesAChunkSizeOrCountOtherThanTheManifests() {
            assertThat(refused(t -> t.poke(10, 0x80))).isEqualTo("image rootfs: chunk table header says chunk-size"
                    + " 32768 and 4 chunks, the manifest 16384 and 4");
            assertThat(refused(t -> t.poke(15, 5))).isEqualTo("image rootfs: chunk table header says chunk-size"
                    + " 16384 and 5 chunks, the manifest 16384 and 4");
        }

        @Test
        void refusesATableOfAnotherLengthThanIndexSize() {
            ChunkTable t = valid();
            VerificationException e = catchThrowableOfType(VerificationException.class,
                    () -> ChunkIndex.validate(t.image(), ByteBuffer.allocate(t.bytes().length - 1)));
            assertThat(e.getMessage()).isEqualTo("image rootfs: chunk table is 207 bytes, manifest says 208");
        }
    }

    @Nested
    class WhenARecordIsWrong {

        @Test
        void refusesAGapBetweenStoredChunks() {
            assertThat(refused(t -> t.record(2, H2, CHUNK + 1, 500, 2))).isEqualTo("image rootfs: chunk table chunk 2"
                    + " is stored at 16385, expected 16384 (stored chunks must be contiguous and in order)");
        }

        @Test
        void refusesOverlappingStoredChunks() {
            assertThat(refused(t -> t.record(3, H3, CHUNK + 499, 1000, 1))).contains("chunk 3 is stored at 16883,"
                    + " expected 16884");
        }

        @Test
        void refusesAFirstStoredChunkNotAtZero() {
            assertThat(refused(t -> t.record(0, H0, 512, CHUNK, 1))).contains("chunk 0 is stored at 512, expected 0");
        }

        @Test
        void refusesStoredChunksOutOfOrder() {
            assertThat(refused(t -> t.record(2, H2, CHUNK + 1000, 500, 2).record(3, H3, CHUNK, 1000, 1)))
                    .contains("chunk 2 is stored at 17384, expected 16384");
        }

        @ParameterizedTest(name = "reserved byte {0}")
        @ValueSource(ints = {45, 46, 47})
        void refusesNonZeroReservedBytes(int field) {
            for (long chunk = 0; chunk < 4; chunk++) {
                long c = chunk;
                assertThat(refused(t -> t.poke(ChunkTable.recordAt(c) + field, 1)))
                        .isEqualTo("image rootfs: chunk table chunk " + chunk + " has non-zero reserved bytes");
            }
        }

        @Test
        void refusesAZeroChunkWithAnotherHash() {
            assertThat(refused(t -> t.record(1, H0, 0, 0, 0)))
                    .isEqualTo("image rootfs: chunk table zero chunk 1 has an offset, a length or a non-zero hash");
        }

        @Test
        void refusesAZeroChunkWithAnOffsetOrALength() {
            byte[] zero = ChunkHasher.zeroChunkHash(CHUNK);
            assertThat(refused(t -> t.record(1, zero, CHUNK, 0, 0))).contains("zero chunk 1 has an offset");
            assertThat(refused(t -> t.record(1, zero, 0, 1, 0))).contains("zero chunk 1 has an offset");
        }

        @Test
        void refusesAShortZeroChunkWithTheHashOfAFullOne() {
            // The zero hash depends on the chunk length: one zero block for 1000 bytes, four for 16 KiB.
            ChunkTable t = new ChunkTable(SIZE, CHUNK).record(0, H0, 0, CHUNK, 1).zero(1)
                    .record(2, H2, CHUNK, 500, 2).record(3, ChunkHasher.zeroChunkHash(CHUNK), 0, 0, 0);
            assertThat(refusedTable(t)).contains("zero chunk 3 has an offset, a length or a non-zero hash");
            new ChunkTable(SIZE, CHUNK).record(0, H0, 0, CHUNK, 1).zero(1).record(2, H2, CHUNK, 500, 2).zero(3).index();
        }

        @Test
        void refusesARawChunkWhoseLengthIsNotItsChunkLength() {
            assertThat(refused(t -> t.record(0, H0, 0, CHUNK - 1, 1).record(2, H2, CHUNK - 1, 500, 2)
                    .record(3, H3, CHUNK + 499, 1000, 1)))
                    .isEqualTo("image rootfs: chunk table raw chunk 0 stores 16383 bytes, not 16384");
            assertThat(refused(t -> t.record(3, H3, CHUNK + 500, CHUNK, 1)))
                    .isEqualTo("image rootfs: chunk table raw chunk 3 stores 16384 bytes, not 1000");
        }

        @ParameterizedTest(name = "length {0}")
        @ValueSource(longs = {0, CHUNK, CHUNK + 1, 0xFFFF_FFFFL})
        void refusesAZstdChunkThatIsEmptyOrNotSmallerThanTheChunk(long length) {
            assertThat(refused(t -> t.record(2, H2, CHUNK, length, 2)))
                    .isEqualTo("image rootfs: chunk table zstd chunk 2 stores " + length
                            + " bytes for a 16384-byte chunk");
        }

        @ParameterizedTest(name = "kind {0}")
        @ValueSource(ints = {3, 4, 0x7f, 0x80, 0xff})
        void refusesAnUnknownKind(int kind) {
            assertThat(refused(t -> t.poke(ChunkTable.recordAt(2) + 44, kind)))
                    .isEqualTo("image rootfs: chunk table chunk 2 has unknown kind " + kind);
        }
    }

    private static String refused(Consumer<ChunkTable> edit) {
        ChunkTable t = valid();
        edit.accept(t);
        return refusedTable(t);
    }

    private static String refusedTable(ChunkTable t) {
        VerificationException e = catchThrowableOfType(VerificationException.class, t::index);
        assertThat(e).as("refused").isNotNull();
        assertThat(e.kind()).isEqualTo(Kind.INDEX);
        SampleBundle.assertOneLine(e);
        return e.getMessage();
    }
}
