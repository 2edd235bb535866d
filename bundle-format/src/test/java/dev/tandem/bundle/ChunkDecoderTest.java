package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.tandem.bundle.VerificationException.Kind;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * FORMAT.md §5 and ARCHITECTURE.md §4: a stored chunk is checked for shape (one zstd frame, no dictionary, declared
 * content size equal to the chunk length) before it is decoded into a chunk-sized buffer, then hashed
 * against its signed chunk hash.
 */
class ChunkDecoderTest {

    private static final int CHUNK = 16 * 1024;
    private static final byte[] TEXT = TestImages.compressible(CHUNK, 1);
    private static final byte[] RANDOM = TestImages.random(CHUNK, 2);
    private static final byte[] RUN = filled((byte) 'a', CHUNK);

    private final ChunkDecoder decoder = new ChunkDecoder();
    private final byte[] out = new byte[CHUNK];
    private final byte[] blocks = new byte[CHUNK / 4096 * 32];

    @AfterEach
    void close() {
        decoder.close();
    }

    @Test
    void decodesAZstdChunkAndYieldsItsBlockHashes() {
        byte[] frame = Zstd.compress(TEXT, 3);
        assertThat(decode(TEXT, frame)).isEqualTo(CHUNK);
        assertThat(out).isEqualTo(TEXT);
        for (int b = 0; b < 4; b++) {
            byte[] expected = ChunkHasher.sha256().digest(Arrays.copyOfRange(TEXT, b * 4096, (b + 1) * 4096));
            assertThat(Arrays.copyOfRange(blocks, b * 32, (b + 1) * 32)).isEqualTo(expected);
        }
    }

    @Test
    void decodesARawChunk() {
        ChunkIndex index = index(RANDOM, 1, CHUNK);
        assertThat(decoder.decode(index, 0, RANDOM, 0, CHUNK, out, blocks)).isEqualTo(CHUNK);
        assertThat(out).isEqualTo(RANDOM);
    }

    @Test
    void decodesAZeroChunkIntoZeros() {
        ChunkTable t = new ChunkTable(CHUNK, CHUNK).zero(0);
        Arrays.fill(out, (byte) 7);
        assertThat(decoder.decode(t.index(), 0, new byte[0], 0, 0, out, blocks)).isEqualTo(CHUNK);
        assertThat(out).isEqualTo(new byte[CHUNK]);
    }

    @Test
    void decodesStoredBytesAtAnOffsetInALargerBuffer() {
        byte[] frame = Zstd.compress(TEXT, 3);
        byte[] buffer = TarBytes.concat(new byte[100], frame, new byte[50]);
        decoder.decode(index(TEXT, 2, frame.length), 0, buffer, 100, frame.length, out, blocks);
        assertThat(out).isEqualTo(TEXT);
    }

    @Test
    void decodesAHandMadeFrameWithAnRleBlock() {
        byte[] frame = TarBytes.concat(ZstdFrames.header(CHUNK, true, 0, 0),
                ZstdFrames.rleBlock((byte) 'a', CHUNK, true));
        decode(RUN, frame);
        assertThat(out).isEqualTo(RUN);
    }

    @Test
    void verifiesChunkBytesObtainedElsewhere() {
        ChunkIndex index = index(RANDOM, 1, CHUNK);
        assertThat(decoder.verify(index, 0, RANDOM.clone(), CHUNK, blocks)).isEqualTo(CHUNK);
        byte[] other = RANDOM.clone();
        other[CHUNK - 1] ^= 1;
        VerificationException e = catchThrowableOfType(VerificationException.class,
                () -> decoder.verify(index, 0, other, CHUNK, blocks));
        assertThat(e.kind()).isEqualTo(Kind.CHUNK);
        assertThat(e.expected()).isEqualTo(index.hashHex(0));
    }

    @Nested
    class WhenTheFrameLies {

        @Test
        void refusesAFrameDeclaringMoreThanTheChunkBeforeDecodingIt() {
            // A bomb: two chunks of text declared and stored in fewer bytes than one chunk.
            byte[] frame = Zstd.compress(TarBytes.concat(TEXT, TEXT), 19);
            assertThat(refused(TEXT, frame)).isEqualTo("image rootfs: chunk 0: zstd frame declares 32768 bytes,"
                    + " the chunk has 16384");
        }

        @Test
        void refusesAFrameDeclaringLessThanTheChunk() {
            byte[] frame = Zstd.compress(Arrays.copyOf(TEXT, CHUNK - 1), 3);
            assertThat(refused(TEXT, frame)).isEqualTo("image rootfs: chunk 0: zstd frame declares 16383 bytes,"
                    + " the chunk has 16384");
        }

        @Test
        void refusesAFrameWhoseBlocksHoldMoreThanItDeclares() {
            // The header says 16 KiB; the blocks would write 32 KiB. Decoding into the chunk buffer stops it.
            byte[] frame = TarBytes.concat(ZstdFrames.header(CHUNK, false, 17, 0),
                    ZstdFrames.rleBlock((byte) 'a', CHUNK, false), ZstdFrames.rleBlock((byte) 'a', CHUNK, true));
            assertThat(refused(RUN, frame)).startsWith("image rootfs: chunk 0: does not decompress (");
        }

        @Test
        void refusesAFrameWhoseBlocksHoldLessThanItDeclares() {
            byte[] frame = TarBytes.concat(ZstdFrames.header(CHUNK, false, 17, 0),
                    ZstdFrames.rleBlock((byte) 'a', CHUNK - 1, true));
            assertThat(refused(RUN, frame)).startsWith("image rootfs: chunk 0: ");
        }

        @Test
        void refusesAFrameDeclaringNoBytes() {
            // A declared size of 0 is a size, not a malformed header: the message says what the frame claims.
            assertThat(refused(TEXT, Zstd.compress(new byte[0], 3)))
                    .isEqualTo("image rootfs: chunk 0: zstd frame declares 0 bytes, the chunk has 16384");
        }

        @Test
        void refusesAFrameWithoutAContentSize() {
            byte[] frame = TarBytes.concat(ZstdFrames.header(-1, false, 17, 0),
                    ZstdFrames.rleBlock((byte) 'a', CHUNK, true));
            assertThat(refused(RUN, frame))
                    .isEqualTo("image rootfs: chunk 0: zstd frame does not declare its content size");
        }

        @Test
        void refusesAFrameThatNeedsADictionary() {
            byte[] frame = TarBytes.concat(ZstdFrames.header(CHUNK, true, 0, 7),
                    ZstdFrames.rleBlock((byte) 'a', CHUNK, true));
            assertThat(refused(RUN, frame)).isEqualTo("image rootfs: chunk 0: zstd frame needs a dictionary");
        }

        @Test
        void refusesAFrameWithABadChecksum() {
            byte[] frame;
            try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
                frame = ctx.setLevel(3).setChecksum(true).setContentSize(true).compress(TEXT);
            }
            frame[frame.length - 1] ^= 1;
            assertThat(refused(TEXT, frame)).startsWith("image rootfs: chunk 0: does not decompress (");
        }
    }

    @Nested
    class WhenTheStoredBytesAreNotOneFrame {

        @Test
        void refusesTwoFrames() {
            byte[] half = Zstd.compress(TEXT, 3);
            assertThat(refused(TEXT, TarBytes.concat(half, half)))
                    .isEqualTo("image rootfs: chunk 0: is not exactly one zstd frame");
        }

        @Test
        void refusesASkippableFrameBeforeTheFrame() {
            assertThat(refused(TEXT, TarBytes.concat(ZstdFrames.skippable(new byte[8]), Zstd.compress(TEXT, 3))))
                    .isEqualTo("image rootfs: chunk 0: is not a zstd frame");
        }

        @Test
        void refusesASkippableFrameAfterTheFrame() {
            assertThat(refused(TEXT, TarBytes.concat(Zstd.compress(TEXT, 3), ZstdFrames.skippable(new byte[8]))))
                    .isEqualTo("image rootfs: chunk 0: is not exactly one zstd frame");
        }

        @Test
        void refusesTrailingBytes() {
            assertThat(refused(TEXT, TarBytes.concat(Zstd.compress(TEXT, 3), new byte[3])))
                    .isEqualTo("image rootfs: chunk 0: is not exactly one zstd frame");
        }

        @Test
        void refusesAFrameCutShort() {
            byte[] frame = Zstd.compress(TEXT, 3);
            assertThat(refused(TEXT, Arrays.copyOf(frame, frame.length - 1)))
                    .isEqualTo("image rootfs: chunk 0: has a malformed zstd frame header");
        }

        @Test
        void refusesGarbage() {
            assertThat(refused(TEXT, TestImages.random(900, 3)))
                    .isEqualTo("image rootfs: chunk 0: is not a zstd frame");
            assertThat(refused(TEXT, new byte[] {0x28, (byte) 0xb5, 0x2f}))
                    .isEqualTo("image rootfs: chunk 0: is not a zstd frame");
            byte[] magicThenGarbage = TarBytes.concat(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd},
                    TestImages.random(900, 4));
            magicThenGarbage[4] = (byte) 0x08; // a reserved bit of the frame header descriptor
            assertThat(refused(TEXT, magicThenGarbage))
                    .isEqualTo("image rootfs: chunk 0: has a malformed zstd frame header");
        }

        @Test
        void refusesTheMagicNumberAloneAsAMalformedHeader() {
            // Four bytes are enough to be recognised as zstd; the frame header after them is what is missing.
            assertThat(refused(TEXT, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}))
                    .isEqualTo("image rootfs: chunk 0: has a malformed zstd frame header");
        }

        @Test
        void refusesStoredBytesOfAnotherLengthThanTheTableSays() {
            byte[] frame = Zstd.compress(TEXT, 3);
            ChunkIndex index = index(TEXT, 2, frame.length);
            VerificationException e = catchThrowableOfType(VerificationException.class,
                    () -> decoder.decode(index, 0, frame, 0, frame.length - 1, out, blocks));
            assertThat(e.getMessage()).isEqualTo("image rootfs: chunk 0: stored length is " + (frame.length - 1)
                    + ", the table says " + frame.length);
        }
    }

    @Test
    void closingReleasesTheZstdContext() {
        // The context is native memory outside the Java heap: close must free it, so a closed decoder cannot
        // decode a zstd chunk any more.
        byte[] frame = Zstd.compress(TEXT, 3);
        decoder.close();
        assertThatThrownBy(() -> decode(TEXT, frame)).isInstanceOf(IllegalStateException.class);
    }

    @Nested
    class WhenTheBytesAreNotTheSignedChunk {

        @Test
        void refusesAValidFrameOfOtherBytesWithBothHashes() {
            byte[] other = TestImages.compressible(CHUNK, 99);
            byte[] frame = Zstd.compress(other, 3);
            ChunkIndex index = index(TEXT, 2, frame.length);
            VerificationException e = catchThrowableOfType(VerificationException.class,
                    () -> decoder.decode(index, 0, frame, 0, frame.length, out, blocks));
            assertThat(e.kind()).isEqualTo(Kind.CHUNK);
            assertThat(e.chunkIndex()).isZero();
            assertThat(e.expected()).isEqualTo(index.hashHex(0));
            assertThat(e.actual()).isEqualTo(java.util.HexFormat.of().formatHex(ChunkTable.hash(other)));
            assertThat(e.getMessage()).isEqualTo("image rootfs: chunk 0: sha256 mismatch (expected "
                    + e.expected().substring(0, 12) + "..., got " + e.actual().substring(0, 12) + "...)");
        }

        @Test
        void refusesAChangedRawChunk() {
            byte[] changed = RANDOM.clone();
            changed[4096] ^= 0x40;
            VerificationException e = catchThrowableOfType(VerificationException.class,
                    () -> decoder.decode(index(RANDOM, 1, CHUNK), 0, changed, 0, CHUNK, out, blocks));
            assertThat(e.getMessage()).startsWith("image rootfs: chunk 0: sha256 mismatch");
        }
    }

    /** Decodes {@code stored} as the one chunk of an image whose content is {@code content}. */
    private int decode(byte[] content, byte[] stored) {
        return decoder.decode(index(content, 2, stored.length), 0, stored, 0, stored.length, out, blocks);
    }

    private String refused(byte[] content, byte[] stored) {
        VerificationException e = catchThrowableOfType(VerificationException.class, () -> decode(content, stored));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.kind()).isEqualTo(Kind.CHUNK);
        assertThat(e.chunkIndex()).isZero();
        SampleBundle.assertOneLine(e);
        return e.getMessage();
    }

    /** A one-chunk table whose chunk 0 is {@code content}, stored as {@code kind} in {@code length} bytes. */
    private static ChunkIndex index(byte[] content, int kind, int length) {
        return new ChunkTable(content.length, CHUNK).record(0, ChunkTable.hash(content), 0, length, kind).index();
    }

    private static byte[] filled(byte b, int n) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }
}
