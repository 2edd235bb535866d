package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStream;
import dev.tandem.bundle.VerificationException.Kind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FORMAT.md §3: the {@code .idx} entry is one zstd frame, decoded with a window of at most 8 MiB into at most
 * {@code index-size} bytes that must hash to {@code index-sha256}.
 */
class ChunkIndexReaderTest {

    private static final int CHUNK = 16 * 1024;
    /** Forty chunks: a table of 1936 bytes, raw and zero chunks alternating. */
    private static final ChunkTable TABLE = table(40);
    private static final byte[] TABLE_BYTES = TABLE.bytes();
    private static final ImageEntry IMAGE = TABLE.image();

    @TempDir
    Path spill;

    @Test
    void readsATableCompressedAsOneFrame() throws IOException {
        ChunkIndex index = read(Zstd.compress(TABLE_BYTES, 3));
        assertThat(index.count()).isEqualTo(40);
        assertThat(index.nonZeroCount()).isEqualTo(20);
        assertThat(index.storedTotal()).isEqualTo(20L * CHUNK);
    }

    @ParameterizedTest(name = "at most {0} bytes per read")
    @ValueSource(ints = {1, 2, 7, 511, 512, 513, 4096, 0})
    void readsTheSameTableFromInputThatArrivesInFragments(int k) throws IOException {
        // 0: random fragment sizes from 1 to 600.
        byte[] frame = Zstd.compress(TABLE_BYTES, 3);
        SplittableRandom random = new SplittableRandom(k);
        InputStream in = new ByteArrayInputStream(frame) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, k > 0 ? k : 1 + random.nextInt(600)));
            }
        };
        ChunkIndex index = new ChunkIndexReader(spill).read(in, frame.length, IMAGE);
        for (long i = 0; i < index.count(); i++) {
            assertThat(index.hash(i)).isEqualTo(TABLE.index().hash(i));
        }
    }

    @Test
    void readsAHandMadeFrameWithRawBlocksAndAnEightMebibyteWindow() throws IOException {
        assertThat(read(ZstdFrames.rawFrame(TABLE_BYTES, -1, false, 23)).count()).isEqualTo(40);
    }

    @Test
    void spillsALargeTableToTheSpillDirectoryAndLeavesNoFileBehind() throws IOException {
        // 200,000 chunks make a 9.6 MB table, more than the 8 MiB kept on the heap.
        ChunkTable big = table(200_000);
        ChunkIndex index = new ChunkIndexReader(spill).read(new ByteArrayInputStream(Zstd.compress(big.bytes(), 3)),
                Zstd.compress(big.bytes(), 3).length, big.image());
        assertThat(index.count()).isEqualTo(200_000);
        assertThat(index.hash(199_999)).isEqualTo(big.index().hash(199_999));
        try (var files = Files.list(spill)) {
            assertThat(files).isEmpty();
        }
    }

    @Nested
    class WhenTheFrameIsWrong {

        @Test
        void refusesATableThatDecompressesToMoreThanIndexSize() {
            byte[] longer = Arrays.copyOf(TABLE_BYTES, TABLE_BYTES.length + 1);
            assertThat(refused(Zstd.compress(longer, 3)))
                    .isEqualTo("image rootfs: chunk table decompresses to more than index-size 1936");
        }

        @Test
        void stopsDecompressingABombAtIndexSize() throws IOException {
            // 32 MiB of zeros compress to about 1 KiB; the reader stops one byte past index-size.
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ZstdOutputStream z = new ZstdOutputStream(out, 1)) {
                byte[] zeros = new byte[1 << 20];
                for (int k = 0; k < 32; k++) {
                    z.write(zeros);
                }
            }
            assertThat(out.size()).isLessThan(1936);
            long start = System.nanoTime();
            assertThat(refused(out.toByteArray())).isEqualTo("image rootfs: chunk table decompresses to more than"
                    + " index-size 1936");
            assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
        }

        @Test
        void refusesATableThatDecompressesToLessThanIndexSize() {
            assertThat(refused(Zstd.compress(Arrays.copyOf(TABLE_BYTES, TABLE_BYTES.length - 1), 3)))
                    .isEqualTo("image rootfs: chunk table decompresses to 1935 bytes, index-size is 1936");
        }

        @Test
        void refusesATableInTwoFrames() {
            byte[] first = Zstd.compress(Arrays.copyOfRange(TABLE_BYTES, 0, 1000), 3);
            byte[] second = Zstd.compress(Arrays.copyOfRange(TABLE_BYTES, 1000, TABLE_BYTES.length), 3);
            assertThat(refused(TarBytes.concat(first, second)))
                    .isEqualTo("image rootfs: chunk table has data after its zstd frame");
        }

        @Test
        void refusesBytesAfterTheFrame() {
            byte[] frame = Zstd.compress(TABLE_BYTES, 3);
            assertThat(refused(TarBytes.concat(frame, new byte[] {'x'})))
                    .isEqualTo("image rootfs: chunk table has data after its zstd frame");
            assertThat(refused(TarBytes.concat(frame, new byte[8])))
                    .isEqualTo("image rootfs: chunk table has data after its zstd frame");
        }

        @Test
        void refusesASkippableFrameBeforeTheTable() {
            // The stream decoder ends a "frame" at the end of the skippable one; the table frame is then extra.
            assertThat(refused(TarBytes.concat(ZstdFrames.skippable(new byte[16]), Zstd.compress(TABLE_BYTES, 3))))
                    .isEqualTo("image rootfs: chunk table has data after its zstd frame");
        }

        @Test
        void refusesASkippableFrameAfterTheTable() {
            assertThat(refused(TarBytes.concat(Zstd.compress(TABLE_BYTES, 3), ZstdFrames.skippable(new byte[16]))))
                    .isEqualTo("image rootfs: chunk table has data after its zstd frame");
        }

        @Test
        void refusesAWindowOverEightMebibytes() {
            assertThat(refused(ZstdFrames.rawFrame(TABLE_BYTES, -1, false, 24)))
                    .startsWith("image rootfs: chunk table is not a valid zstd frame (");
        }

        @Test
        void refusesAFrameThatNeedsADictionary() {
            byte[] frame = TarBytes.concat(ZstdFrames.header(-1, false, 20, 7),
                    ZstdFrames.rawBlock(TABLE_BYTES, 0, TABLE_BYTES.length, true));
            assertThat(refused(frame)).startsWith("image rootfs: chunk table is not a valid zstd frame (");
        }

        @Test
        void refusesAFrameCutShort() {
            byte[] frame = Zstd.compress(TABLE_BYTES, 3);
            assertThat(refused(Arrays.copyOf(frame, frame.length - 1)))
                    .isEqualTo("image rootfs: chunk table ends inside its zstd frame");
        }

        @Test
        void refusesGarbage() {
            assertThat(refused(TestImages.random(300, 5)))
                    .startsWith("image rootfs: chunk table is not a valid zstd frame");
        }

        @Test
        void refusesATableWhoseHashDiffersFromTheManifestAndSaysBoth() {
            byte[] other = TABLE_BYTES.clone();
            other[20] ^= 1;
            String actual = HexFormat.of().formatHex(ChunkHasher.sha256().digest(other));
            VerificationException e = refusedException(Zstd.compress(other, 3), IMAGE);
            assertThat(e.getMessage()).isEqualTo("image rootfs: chunk table sha256 mismatch (expected "
                    + IMAGE.indexSha256() + ", got " + actual + ")");
            assertThat(e.expected()).isEqualTo(IMAGE.indexSha256());
            assertThat(e.actual()).isEqualTo(actual);
        }
    }

    @Nested
    class WhenLengthsAreWrong {

        @Test
        void refusesAnEntryLargerThanTheCompressBoundOfIndexSize() {
            long bound = Zstd.compressBound(IMAGE.indexSize());
            VerificationException e = catchThrowableOfType(VerificationException.class,
                    () -> new ChunkIndexReader(spill).read(InputStream.nullInputStream(), bound + 1, IMAGE));
            assertThat(e.getMessage()).isEqualTo("image rootfs: chunk table entry is " + (bound + 1)
                    + " bytes, more than a 1936-byte table can compress to");
        }

        @Test
        void refusesAnIndexSizeOverOneGibibyteBeforeReading() {
            long chunks = 22_369_622; // 16 + 48 * chunks > 1 GiB
            ImageEntry huge = new ImageEntry("rootfs", "rootfs", chunks * CHUNK, IMAGE.sha256(), CHUNK, 4096, "zstd",
                    IMAGE.indexSha256(), ImageEntry.indexSize(chunks), chunks);
            VerificationException e = catchThrowableOfType(VerificationException.class,
                    () -> new ChunkIndexReader(spill).read(InputStream.nullInputStream(), 100, huge));
            assertThat(e.kind()).isEqualTo(Kind.INDEX);
            assertThat(e.getMessage()).isEqualTo("image rootfs: chunk table index-size 1073741872 is larger than this"
                    + " reader allows");
        }

        @Test
        void readsAnEntryOfExactlyTheCompressBoundOfIndexSize() {
            long bound = Zstd.compressBound(IMAGE.indexSize());
            assertThat(truncated(() -> new ChunkIndexReader(spill).read(InputStream.nullInputStream(), bound, IMAGE)))
                    .isEqualTo("bundle is truncated inside images/rootfs.idx");
        }

        @Test
        void readsAnUncheckedManifestsTableOfExactlyTheUnverifiedLimit() {
            ChunkIndexReader reader = ChunkIndexReader.forUnverifiedManifest();
            long limit = ChunkIndexReader.UNVERIFIED_LIMIT;
            assertThat(truncated(() -> reader.read(InputStream.nullInputStream(), 1, withIndexSize(limit))))
                    .isEqualTo("bundle is truncated inside images/rootfs.idx");
            VerificationException e = catchThrowableOfType(VerificationException.class,
                    () -> reader.read(InputStream.nullInputStream(), 1, withIndexSize(limit + 1)));
            assertThat(e.getMessage()).isEqualTo("image rootfs: chunk table index-size 8388609 is larger than this"
                    + " reader allows before the signature is checked (8388608 bytes)");
        }

        @Test
        void refusesInputThatEndsBeforeTheEntryLength() {
            byte[] frame = Zstd.compress(TABLE_BYTES, 3);
            VerificationException e = catchThrowableOfType(VerificationException.class,
                    () -> new ChunkIndexReader(spill).read(
                            new ByteArrayInputStream(frame, 0, frame.length / 2), frame.length, IMAGE));
            assertThat(e.kind()).isEqualTo(Kind.CONTAINER);
            assertThat(e.getMessage()).isEqualTo("bundle is truncated inside images/rootfs.idx");
        }
    }

    @Nested
    class WhereTheTableIsKept {

        @Test
        void keepsATableOfEightMebibytesOnTheHeapAndSpillsOneByteMoreIntoTheSpillDirectory() throws IOException {
            // A spill directory that cannot be created (a file is in its place) shows which tables go there.
            Path blocked = Files.writeString(spill.resolve("not-a-directory"), "");
            ChunkIndexReader reader = new ChunkIndexReader(blocked);
            long heap = ChunkIndexReader.HEAP_LIMIT;
            assertThat(truncated(() -> reader.read(InputStream.nullInputStream(), 1, withIndexSize(heap))))
                    .isEqualTo("bundle is truncated inside images/rootfs.idx");
            assertThatThrownBy(() -> reader.read(InputStream.nullInputStream(), 1, withIndexSize(heap + 1)))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageStartingWith("cannot spill a 8388609-byte chunk table: ");
        }
    }

    /** The message of the CONTAINER refusal that reading ends with: the input ended, all checks before it passed. */
    private static String truncated(org.assertj.core.api.ThrowableAssert.ThrowingCallable read) {
        VerificationException e = catchThrowableOfType(VerificationException.class, read);
        assertThat(e).as("refused").isNotNull();
        assertThat(e.kind()).isEqualTo(Kind.CONTAINER);
        return e.getMessage();
    }

    /** {@link #IMAGE} declaring a table of {@code indexSize} bytes. */
    private static ImageEntry withIndexSize(long indexSize) {
        return new ImageEntry("rootfs", "rootfs", IMAGE.size(), IMAGE.sha256(), CHUNK, 4096, "zstd",
                IMAGE.indexSha256(), indexSize, IMAGE.chunks());
    }

    /** A table of {@code chunks} full chunks: odd ones zero, even ones raw. */
    private static ChunkTable table(int chunks) {
        ChunkTable t = new ChunkTable((long) chunks * CHUNK, CHUNK);
        byte[] hash = ChunkTable.hash(TestImages.random(CHUNK, 9));
        long offset = 0;
        for (int i = 0; i < chunks; i++) {
            if (i % 2 == 1 || chunks > 1000) {
                t.zero(i);
            } else {
                t.record(i, hash, offset, CHUNK, 1);
                offset += CHUNK;
            }
        }
        return t;
    }

    private ChunkIndex read(byte[] frame) throws IOException {
        return new ChunkIndexReader(spill).read(new ByteArrayInputStream(frame), frame.length, IMAGE);
    }

    private String refused(byte[] frame) {
        return refusedException(frame, IMAGE).getMessage();
    }

    private VerificationException refusedException(byte[] frame, ImageEntry image) {
        VerificationException e = catchThrowableOfType(VerificationException.class, () -> new ChunkIndexReader(spill)
                .read(new ByteArrayInputStream(frame), frame.length, image));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.kind()).isEqualTo(Kind.INDEX);
        SampleBundle.assertOneLine(e);
        return e;
    }
}
