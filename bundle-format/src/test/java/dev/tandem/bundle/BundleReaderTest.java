package dev.tandem.bundle;

import dev.tandem.bundle.fuzz.ByteArraySource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@link BundleReader} and its {@link ImageSection}s tell, and that they tell it whatever the reads return. */
class BundleReaderTest {

    @Test
    void givesTheSignedManifestBytesSignatureAndBundleId() throws IOException {
        byte[] bundle = SampleBundle.bytes();
        BundleReader reader = BundleReader.open(new ByteArraySource(bundle, Integer.MAX_VALUE), TestBundles.verifier(), null);
        assertThat(reader.manifestBytes()).isEqualTo(SampleBundle.manifest());
        assertThat(reader.signature()).isEqualTo(TarBytes.data(bundle, SampleBundle.entry("manifest.json.p7s")));
        assertThat(reader.bundleId()).isEqualTo(TestImages.sha256(SampleBundle.manifest()));
        assertThat(reader.manifest().images()).extracting(ImageEntry::name).containsExactly("rootfs", "boot");
    }

    @Test
    void closingTheReaderClosesTheBundleFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        FileSource source = FileSource.open(java.nio.file.Files.write(dir.resolve("update.tandem"), SampleBundle.bytes()));
        BundleReader.open(source, TestBundles.verifier(), null).close();
        // No file handle left open by a reader that is done (an agent opens one per install).
        assertThatThrownBy(() -> source.read(new byte[1], 0, 1)).isInstanceOf(java.nio.channels.ClosedChannelException.class);
    }

    @Test
    void locatesHintsAndStoredChunksOfEachImage() throws IOException {
        byte[] bundle = SampleBundle.bytes();
        BundleReader reader = BundleReader.open(new ByteArraySource(bundle, Integer.MAX_VALUE), TestBundles.verifier(), null);
        ImageSection rootfs = reader.nextImage();
        assertThat(rootfs.hintsOffset()).isEqualTo(SampleBundle.entry("images/rootfs.blk").dataOffset());
        assertThat(rootfs.dataOffset()).isEqualTo(SampleBundle.entry("images/rootfs.dat").dataOffset());
        ChunkIndex index = rootfs.index();
        for (long i = 0; i < index.count(); i++) {
            if (index.kind(i) == ChunkKind.ZERO) {
                long zero = i;
                assertThatThrownBy(() -> rootfs.readStored(zero, new byte[16384]))
                        .isInstanceOf(IllegalArgumentException.class);
                continue;
            }
            assertThat(rootfs.storedChunkOffset(i)).isEqualTo(rootfs.dataOffset() + index.storedOffset(i));
            // The hints of chunk i are the first 8 bytes of the SHA-256 of each of its blocks (FORMAT.md §4).
            byte[] chunk = Arrays.copyOfRange(SampleBundle.ROOTFS, (int) (i * 16384), (int) (i * 16384 + 16384));
            for (int b = 0; b < 4; b++) {
                byte[] blockSha = ChunkHasher.sha256().digest(Arrays.copyOfRange(chunk, b * 4096, b * 4096 + 4096));
                int at = (int) rootfs.hintsOffsetOf(i) + 8 * b;
                assertThat(Arrays.copyOfRange(bundle, at, at + 8)).isEqualTo(Arrays.copyOf(blockSha, 8));
            }
        }
        assertThat(reader.nextImage().image().name()).isEqualTo("boot");
        assertThat(reader.hasNextImage()).isFalse();
        assertThatThrownBy(reader::nextImage).isInstanceOf(IllegalStateException.class);
        reader.finish();
    }

    @Test
    void readsStoredChunksInAnyOrder() throws IOException {
        BundleReader reader = BundleReader.open(new ByteArraySource(SampleBundle.bytes(), Integer.MAX_VALUE), TestBundles.verifier(), null);
        ImageSection rootfs = reader.nextImage();
        ChunkIndex index = rootfs.index();
        byte[] stored = new byte[16384];
        byte[] chunk = new byte[16384];
        try (ChunkDecoder decoder = new ChunkDecoder()) {
            for (long i : new long[] {3, 0, 4, 2, 3}) {
                if (index.kind(i) == ChunkKind.ZERO) {
                    continue;
                }
                int n = rootfs.readStored(i, stored);
                int len = decoder.decode(index, i, stored, 0, n, chunk, new byte[128]);
                assertThat(Arrays.copyOf(chunk, len)).isEqualTo(Arrays.copyOfRange(SampleBundle.ROOTFS,
                        (int) (i * 16384), (int) (i * 16384 + len)));
            }
        }
    }

    @Test
    void refusesToFinishBeforeEveryImageWasRead() throws IOException {
        BundleReader reader = BundleReader.open(new ByteArraySource(SampleBundle.bytes(), Integer.MAX_VALUE), TestBundles.verifier(), null);
        reader.nextImage();
        assertThatThrownBy(reader::finish).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void saysWhereItsSequentialReadingEndsBeforeEachJump() throws IOException {
        // BundleSource#willRead: an HTTP source asks for exactly this much, so each hint must be the end of the
        // next header block, the first byte the reader may jump over after it.
        List<Long> hints = new ArrayList<>();
        BundleSource source = new FilterSource(new ByteArraySource(SampleBundle.bytes(), Integer.MAX_VALUE)) {
            @Override
            public void willRead(long end) {
                hints.add(end);
            }
        };
        try (BundleReader reader = BundleReader.open(source, TestBundles.verifier(), null)) {
            reader.nextImage();
            reader.nextImage();
            reader.finish();
        }
        List<Long> expected = new ArrayList<>();
        for (String name : SampleBundle.NAMES) {
            long afterNextHeader = SampleBundle.entry(name).end() + TarBytes.BLOCK;
            expected.add(afterNextHeader);
            if (name.endsWith(".blk")) {
                // Again after jumping over the block hints: they are read later, by range.
                expected.add(afterNextHeader);
            }
        }
        assertThat(SampleBundle.entry("images/rootfs.blk").size() % TarBytes.BLOCK).as("padded block hints")
                .isNotZero();
        assertThat(hints).containsExactlyElementsOf(expected);
    }

    @Test
    void readsThroughASourceThatSometimesReturnsNoBytes() throws IOException {
        // BundleSource#read returns "up to len bytes": 0 is not the end, only -1 is.
        boolean[] empty = {false};
        BundleSource source = new FilterSource(new ByteArraySource(SampleBundle.bytes(), Integer.MAX_VALUE)) {
            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                empty[0] = !empty[0];
                return empty[0] ? 0 : inner.read(buf, off, Math.min(len, 100));
            }
        };
        Map<String, byte[]> images = TestBundles.decodeImages(source, TestBundles.verifier());
        assertThat(images.get("rootfs")).isEqualTo(SampleBundle.ROOTFS);
        assertThat(images.get("boot")).isEqualTo(SampleBundle.BOOT);
    }

    @Nested
    class AnEntrysDataStream {

        @Test
        void givesExactlyTheEntrysBytesThenTheEndThoughTheSourceGoesOn() throws IOException {
            byte[] bytes = TestImages.random(1000, 5);
            bytes[0] = (byte) 0x9c;
            InputStream in = BundleReader.limited(new ByteArraySource(bytes, 7), 600, "images/rootfs.idx");
            assertThat(in.read()).isEqualTo(0x9c);
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(bytes, 1, 600));
            assertThat(in.read()).isEqualTo(-1);
        }

        @Test
        void aSourceThatEndsInsideTheEntryIsATruncatedBundle() {
            InputStream in = BundleReader.limited(new ByteArraySource(new byte[10], 7), 600, "images/rootfs.idx");
            assertThatThrownBy(in::readAllBytes).isInstanceOf(VerificationException.class)
                    .hasMessage("bundle is truncated inside images/rootfs.idx");
        }
    }

    @Nested
    class WhenTheFirstHeaderIsCutShort {

        @Test
        void aCutTarHeaderIsTruncatedFromItsMagicOn() {
            // "ustar" ends at byte 262: from there on a cut header is a truncated bundle, not some other file.
            byte[] header = TarBytes.header("README", 10, '0', 0);
            assertThat(openError(Arrays.copyOf(header, 262)))
                    .isEqualTo("bundle is truncated inside the header of tandem-bundle");
            assertThat(openError(Arrays.copyOf(header, 261)))
                    .isEqualTo("not a tandem bundle: it does not start with the tar entry tandem-bundle");
        }

        @Test
        void aCutHeaderIsTruncatedFromTheWholeMarkerNameOn() {
            byte[] bundle = SampleBundle.bytes();
            assertThat(openError(Arrays.copyOf(bundle, "tandem-bundle".length())))
                    .isEqualTo("bundle is truncated inside the header of tandem-bundle");
            assertThat(openError(Arrays.copyOf(bundle, "tandem-bundle".length() - 1)))
                    .isEqualTo("not a tandem bundle: it does not start with the tar entry tandem-bundle");
        }

        private String openError(byte[] bundle) {
            Throwable t = catchThrowable(() -> BundleReader.open(new ByteArraySource(bundle, Integer.MAX_VALUE),
                    TestBundles.verifier(), null));
            assertThat(t).isInstanceOf(VerificationException.class);
            return t.getMessage();
        }
    }

    @Nested
    class WhenReadsReturnFewBytes {

        @ParameterizedTest(name = "at most {0} bytes per read")
        @ValueSource(ints = {1, 2, 7, 511, 512, 513, 4096})
        void givesTheSameResultsFromASeekableSource(int k) throws IOException {
            checkSame(() -> new FragmentingSource(new ByteArraySource(SampleBundle.bytes(), Integer.MAX_VALUE), k, null, false));
        }

        @ParameterizedTest(name = "at most {0} bytes per read")
        @ValueSource(ints = {1, 2, 7, 511, 512, 513, 4096})
        void givesTheSameResultsFromAPipe(int k) throws IOException {
            checkSame(() -> new FragmentingSource(new ByteArraySource(SampleBundle.bytes(), Integer.MAX_VALUE), k, null, true));
        }

        @ParameterizedTest(name = "seed {0}")
        @ValueSource(longs = {1, 2, 3, 4, 5})
        void givesTheSameResultsForRandomReadSizes(long seed) throws IOException {
            checkSame(() -> new FragmentingSource(new ByteArraySource(SampleBundle.bytes(), Integer.MAX_VALUE), 1000,
                    new SplittableRandom(seed), seed % 2 == 0));
        }

        @Test
        void refusesBrokenBundlesWithTheSameMessageWhateverTheReadSize() {
            byte[] bundle = SampleBundle.bytes();
            List<byte[]> broken = new ArrayList<>();
            TreeSet<Long> cuts = new TreeSet<>();
            for (TarBytes.Entry e : SampleBundle.layout().entries()) {
                cuts.add(e.headerOffset() + 100);
                cuts.add(e.dataOffset() + e.size() / 2);
                broken.add(SampleBundle.flip(e.headerOffset() + 5));
                broken.add(SampleBundle.flip(e.dataOffset() + e.size() - 1));
            }
            cuts.forEach(cut -> broken.add(TarBytes.slice(bundle, 0, cut)));
            broken.add(TarBytes.concat(bundle, new byte[7]));
            for (byte[] b : broken) {
                Throwable whole = catchThrowable(() -> BundleVerifier.verifyAll(new ByteArraySource(b, Integer.MAX_VALUE),
                        TestBundles.verifier(), null));
                for (int k : new int[] {1, 7, 513}) {
                    Throwable split = catchThrowable(() -> BundleVerifier.verifyAll(new FragmentingSource(
                            new ByteArraySource(b, Integer.MAX_VALUE), k, null, k == 7), TestBundles.verifier(), null));
                    if (whole == null) {
                        assertThat(split).isNull();
                    } else {
                        assertThat(split).hasMessage(whole.getMessage()).isExactlyInstanceOf(whole.getClass());
                    }
                }
            }
        }

        private void checkSame(Supplier<FragmentingSource> sources) throws IOException {
            FragmentingSource source = sources.get();
            Map<String, byte[]> images = TestBundles.decodeImages(source, TestBundles.verifier());
            assertThat(images.get("rootfs")).isEqualTo(SampleBundle.ROOTFS);
            assertThat(images.get("boot")).isEqualTo(SampleBundle.BOOT);
            assertThat(source.position()).isEqualTo(SampleBundle.bytes().length);
            BundleVerifier.Report expected = BundleVerifier.verifyAll(new ByteArraySource(SampleBundle.bytes(), Integer.MAX_VALUE),
                    TestBundles.verifier(), null);
            assertThat(BundleVerifier.verifyAll(sources.get(), TestBundles.verifier(), null)).isEqualTo(expected);
        }
    }
}
