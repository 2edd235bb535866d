package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.TestImages.Content;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Write, then read back (FORMAT.md §1-5): whatever the images, {@link BundleVerifier#verifyAll} accepts the
 * bundle and decoding every chunk through the reader gives the images back byte for byte.
 */
class BundleRoundTripTest {

    /** Sizes around the chunk boundaries, where off-by-one errors live. */
    enum SizeKind { EMPTY, ONE_BYTE, CHUNK_MINUS_ONE, ONE_CHUNK, CHUNK_PLUS_ONE, ANY }

    record ImageSpec(SizeKind sizeKind, int anySize, Content content, long seed) {

        int size(int chunkSize) {
            return switch (sizeKind) {
                case EMPTY -> 0;
                case ONE_BYTE -> 1;
                case CHUNK_MINUS_ONE -> chunkSize - 1;
                case ONE_CHUNK -> chunkSize;
                case CHUNK_PLUS_ONE -> chunkSize + 1;
                case ANY -> anySize;
            };
        }
    }

    @Provide
    Arbitrary<Integer> chunkSizes() {
        return Arbitraries.of(16 * 1024, 64 * 1024);
    }

    @Provide
    Arbitrary<ImageSpec> images() {
        return Combinators.combine(Arbitraries.of(SizeKind.class), Arbitraries.integers().between(0, 200_000),
                Arbitraries.of(Content.class), Arbitraries.longs()).as(ImageSpec::new);
    }

    @Property(tries = 60)
    void everyImageComesBackByteForByte(@ForAll("chunkSizes") int chunkSize,
                                        @ForAll @Size(min = 1, max = 3) List<@From("images") ImageSpec> specs)
            throws IOException {
        List<byte[]> contents = new ArrayList<>();
        TestBundles.Builder builder = TestBundles.bundle().chunkSize(chunkSize);
        for (int k = 0; k < specs.size(); k++) {
            ImageSpec spec = specs.get(k);
            byte[] content = TestImages.of(spec.content(), spec.size(chunkSize), spec.seed());
            contents.add(content);
            builder.image("image-" + k, content);
        }
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "round-trip-");
        try {
            Path bundle = dir.resolve("b.tandem");
            builder.writeTo(bundle);
            checkRoundTrip(bundle, contents);
        } finally {
            TestBundles.deleteTree(dir);
        }
    }

    @Example
    void fourMebibyteChunksRoundTripWithEveryChunkKind() throws IOException {
        int chunk = 4 * 1024 * 1024;
        byte[] content = TestImages.concat(TestImages.mixed(chunk, 1), new byte[chunk],
                TestImages.random(chunk, 2), TestImages.compressible(12_345, 3));
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "round-trip-");
        try {
            Path bundle = dir.resolve("b.tandem");
            TestBundles.bundle().image("image-0", content).chunkSize(chunk).writeTo(bundle);
            BundleVerifier.Report report = checkRoundTrip(bundle, List.of(content));
            BundleVerifier.ImageReport image = report.images().get(0);
            assertThat(image.zeroChunks()).isEqualTo(1);
            assertThat(image.rawChunks()).isEqualTo(1);
            assertThat(image.zstdChunks()).isEqualTo(2);
        } finally {
            TestBundles.deleteTree(dir);
        }
    }

    private static BundleVerifier.Report checkRoundTrip(Path bundle, List<byte[]> contents) throws IOException {
        BundleVerifier.Report report;
        try (FileSource source = FileSource.open(bundle)) {
            report = BundleVerifier.verifyAll(source, TestBundles.verifier(), null);
        }
        assertThat(report.images()).hasSameSizeAs(contents);
        for (int k = 0; k < contents.size(); k++) {
            BundleVerifier.ImageReport r = report.images().get(k);
            ImageEntry entry = r.image();
            assertThat(entry.name()).isEqualTo("image-" + k);
            assertThat(entry.size()).isEqualTo(contents.get(k).length);
            assertThat(entry.sha256()).isEqualTo(TestImages.sha256(contents.get(k)));
            assertThat(r.zeroChunks() + r.rawChunks() + r.zstdChunks()).isEqualTo(entry.chunks());
        }
        Map<String, byte[]> decoded;
        try (FileSource source = FileSource.open(bundle)) {
            decoded = TestBundles.decodeImages(source, TestBundles.verifier());
        }
        assertThat(decoded.keySet()).containsExactlyElementsOf(
                report.images().stream().map(r -> r.image().name()).toList());
        int k = 0;
        for (byte[] image : decoded.values()) {
            assertThat(TestImages.sha256(image)).as("sha256 of image %d", k)
                    .isEqualTo(TestImages.sha256(contents.get(k)));
            k++;
        }
        return report;
    }
}
