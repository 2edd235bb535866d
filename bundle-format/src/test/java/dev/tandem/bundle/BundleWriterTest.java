package dev.tandem.bundle;

import dev.tandem.bundle.fuzz.ByteArraySource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link BundleWriter}: what it stores, that it is deterministic, what it refuses, and that it writes atomically. */
class BundleWriterTest {

    private static final int CHUNK = 16 * 1024;

    @TempDir
    Path dir;

    @Nested
    class Determinism {

        @Test
        void writesIdenticalBytesForTheSameInputsAndCreatedTime() throws IOException {
            // A CMS signature differs each time (ECDSA's random k, the signing-time attribute), so the signer
            // remembers its signature per manifest: everything the writer itself decides must then repeat.
            ManifestSigner signer = memoizing(TestBundles.signer());
            byte[] image = TestImages.mixed(200_000, 7);
            byte[] a = TestBundles.rootfs(image).image("boot", TestImages.random(9000, 8)).chunkSize(CHUNK)
                    .threads(1).signedBy(signer).bytes(dir);
            byte[] b = TestBundles.rootfs(image).image("boot", TestImages.random(9000, 8)).chunkSize(CHUNK)
                    .threads(2).signedBy(signer).bytes(dir);
            assertThat(b).isEqualTo(a);
        }

        @Test
        void writesTheSameManifestAndImageEntriesWhenSignedAgain() throws IOException {
            byte[] image = TestImages.mixed(100_000, 9);
            byte[] a = TestBundles.rootfs(image).chunkSize(CHUNK).bytes(dir);
            byte[] b = TestBundles.rootfs(image).chunkSize(CHUNK).bytes(dir);
            assertThat(TarBytes.data(b, TarBytes.layout(b).entry("manifest.json")))
                    .isEqualTo(TarBytes.data(a, TarBytes.layout(a).entry("manifest.json")));
            long imagesA = TarBytes.layout(a).entry("images/rootfs.idx").headerOffset();
            long imagesB = TarBytes.layout(b).entry("images/rootfs.idx").headerOffset();
            assertThat(TarBytes.slice(b, imagesB, b.length)).isEqualTo(TarBytes.slice(a, imagesA, a.length));
        }

        @Test
        void writesOtherBytesForAnotherCreatedTime() throws IOException {
            ManifestSigner signer = memoizing(TestBundles.signer());
            byte[] image = TestImages.mixed(50_000, 10);
            byte[] a = TestBundles.rootfs(image).signedBy(signer).bytes(dir);
            byte[] b = TestBundles.rootfs(image).signedBy(signer).created(TestBundles.CREATED.plusSeconds(1))
                    .bytes(dir);
            assertThat(b).isNotEqualTo(a);
            assertThat(TarBytes.octal(b, 136, 12)).isEqualTo(TestBundles.CREATED.getEpochSecond() + 1);
        }

        @Test
        void truncatesCreatedToSeconds() throws IOException {
            Path out = dir.resolve("b.tandem");
            BundleWriter.Result r = TestBundles.rootfs(new byte[10]).created(Instant.parse("2026-11-21T10:00:00.987Z"))
                    .writeTo(out);
            assertThat(r.manifest().created()).isEqualTo(TestBundles.CREATED);
        }

        private static ManifestSigner memoizing(ManifestSigner signer) {
            Map<String, byte[]> cache = new HashMap<>();
            return manifest -> cache.computeIfAbsent(HexFormat.of().formatHex(manifest), k -> signer.sign(manifest));
        }
    }

    @Nested
    class WhatIsStored {

        @Test
        void storesIncompressibleChunksRawAndCompressibleOnesAsZstd() throws IOException {
            byte[] image = TestImages.concat(TestImages.random(CHUNK, 1), TestImages.compressible(CHUNK, 2),
                    TestImages.random(1000, 3), new byte[0]);
            ChunkIndex index = onlyIndex(TestBundles.rootfs(image).chunkSize(CHUNK).bytes(dir));
            assertThat(index.kind(0)).isEqualTo(ChunkKind.RAW);
            assertThat(index.storedLength(0)).isEqualTo(CHUNK);
            assertThat(index.kind(1)).isEqualTo(ChunkKind.ZSTD);
            assertThat(index.storedLength(1)).isLessThan(CHUNK / 2);
            assertThat(index.kind(2)).isEqualTo(ChunkKind.RAW);
            assertThat(index.storedLength(2)).isEqualTo(1000);
        }

        @Test
        void storesNothingForZeroChunks() throws IOException {
            byte[] bundle = TestBundles.rootfs(new byte[5 * CHUNK + 100]).chunkSize(CHUNK).bytes(dir);
            TarBytes.Layout layout = TarBytes.layout(bundle);
            assertThat(layout.entry("images/rootfs.dat").size()).isZero();
            assertThat(layout.entry("images/rootfs.blk").size()).isZero();
            ChunkIndex index = onlyIndex(bundle);
            for (long i = 0; i < index.count(); i++) {
                assertThat(index.kind(i)).isEqualTo(ChunkKind.ZERO);
            }
        }

        @Test
        void storesOnlyTheNonZeroChunksOfAMixedImage() throws IOException {
            byte[] text = TestImages.compressible(CHUNK, 4);
            byte[] bundle = TestBundles.rootfs(TestImages.concat(new byte[CHUNK], text, new byte[2 * CHUNK]))
                    .chunkSize(CHUNK).bytes(dir);
            ChunkIndex index = onlyIndex(bundle);
            assertThat(index.nonZeroCount()).isEqualTo(1);
            assertThat(TarBytes.layout(bundle).entry("images/rootfs.dat").size()).isEqualTo(index.storedLength(1));
            assertThat(TarBytes.layout(bundle).entry("images/rootfs.blk").size()).isEqualTo(8 * 4);
        }

        @Test
        void writesZeroBlockHintsPastTheEndOfTheImage() throws IOException {
            // FORMAT.md §4: blocks past the end of the image hash as all-zero blocks.
            byte[] image = TestImages.random(5000, 5);
            byte[] bundle = TestBundles.rootfs(image).chunkSize(CHUNK).bytes(dir);
            byte[] hints = TarBytes.data(bundle, TarBytes.layout(bundle).entry("images/rootfs.blk"));
            byte[] zeroBlock = Arrays.copyOf(ChunkHasher.sha256().digest(new byte[4096]), 8);
            assertThat(hints).hasSize(32);
            assertThat(Arrays.copyOfRange(hints, 0, 8)).isEqualTo(
                    Arrays.copyOf(ChunkHasher.sha256().digest(Arrays.copyOf(image, 4096)), 8));
            assertThat(Arrays.copyOfRange(hints, 8, 16)).isEqualTo(Arrays.copyOf(ChunkHasher.sha256().digest(
                    Arrays.copyOfRange(image, 4096, 8192)), 8));
            assertThat(Arrays.copyOfRange(hints, 16, 24)).isEqualTo(zeroBlock);
            assertThat(Arrays.copyOfRange(hints, 24, 32)).isEqualTo(zeroBlock);
        }

        @Test
        void reportsTheManifestBundleIdAndSize() throws IOException {
            Path out = dir.resolve("b.tandem");
            BundleWriter.Result r = TestBundles.rootfs(TestImages.mixed(40_000, 6)).writeTo(out);
            byte[] bundle = Files.readAllBytes(out);
            byte[] manifest = TarBytes.data(bundle, TarBytes.layout(bundle).entry("manifest.json"));
            assertThat(r.bundleSize()).isEqualTo(bundle.length);
            assertThat(r.bundleId()).isEqualTo(TestImages.sha256(manifest));
            assertThat(r.manifest()).isEqualTo(ManifestParser.parse(manifest));
            assertThat(bundle.length % 512).isZero();
        }
    }

    @Nested
    class WhenSettingsAreInvalid {

        @ParameterizedTest(name = "chunk size {0}")
        @ValueSource(ints = {-1, 0, 3000, 8192, 16383, 65537, 8 * 1024 * 1024})
        void refusesChunkSizesOtherThanPowersOfTwoFrom16KTo4M(int chunkSize) {
            assertThat(refused(w -> w.chunkSize(chunkSize))).startsWith("chunk size " + chunkSize);
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"1.0", "v1.0.0", "01.0.0", "1.0.0-", ""})
        void refusesVersionsThatAreNotSemVer(String version) {
            assertThat(refused(w -> w.version(version))).startsWith("version '" + version + "'");
        }

        @Test
        void refusesAMissingOrOverlongVersion() {
            assertThat(refused(w -> w.version(null))).startsWith("version 'null'");
            assertThat(refused(w -> w.version("1.0.0-" + "a".repeat(123)))).startsWith("version '1.0.0-aaa");
            assertThat(refused(w -> w.minTandemVersion("1.0"))).startsWith("min-tandem-version");
        }

        @Test
        void refusesNoImagesAndMoreThanSixteen() throws IOException {
            assertThat(refused(new BundleWriter().compatible("acme").version("1.0.0").signer(TestBundles.signer())))
                    .isEqualTo("at least one image is required");
            Path img = TestImages.write(dir, "img", new byte[10]);
            BundleWriter w = writer(img);
            for (int i = 1; i <= 16; i++) {
                w.image("image-" + i, "rootfs", img);
            }
            assertThat(refused(w)).isEqualTo("at most 16 images");
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"Rootfs", "-rootfs", "root_fs", "", "abcdefghijklmnopqrstuvwxyz0123456", "../x"})
        void refusesBadImageNamesAndSlotClasses(String name) {
            Path img = TestImages.write(dir, "img", new byte[10]);
            assertThat(refused(new BundleWriter().compatible("acme").version("1.0.0").signer(TestBundles.signer())
                    .image(name, "rootfs", img))).startsWith("image name '" + name + "'");
            assertThat(refused(new BundleWriter().compatible("acme").version("1.0.0").signer(TestBundles.signer())
                    .image("rootfs", name, img))).startsWith("slot class '" + name + "'");
        }

        @Test
        void refusesAnImageNameGivenTwice() {
            assertThat(refused(w -> w.image("rootfs", "rootfs", dir.resolve("img.img"))))
                    .isEqualTo("image name 'rootfs' given twice");
        }

        @Test
        void refusesMissingAndDirectoryImages() {
            assertThat(refused(new BundleWriter().compatible("acme").version("1.0.0").signer(TestBundles.signer())
                    .image("rootfs", "rootfs", dir.resolve("nope")))).endsWith("does not exist or is not readable");
            assertThat(refused(new BundleWriter().compatible("acme").version("1.0.0").signer(TestBundles.signer())
                    .image("rootfs", "rootfs", dir))).endsWith("is a directory");
        }

        @ParameterizedTest(name = "level {0}")
        @ValueSource(ints = {0, -1, 23})
        void refusesZstdLevelsOutsideOneToTwentyTwo(int level) {
            assertThat(refused(w -> w.level(level))).isEqualTo("zstd level must be 1 to 22, not " + level);
        }

        @Test
        void refusesANegativeSecurityVersion() {
            assertThat(refused(w -> w.securityVersion(-1))).isEqualTo("security-version must not be negative");
        }

        @Test
        void refusesAMissingSigner() {
            assertThat(refused(w -> w.signer(null))).isEqualTo("a signer is required");
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"", " ", " acme", "acme\n", "acme\u00e9", "tab\there"})
        void refusesCompatibleStringsThatReadersWouldRefuse(String compatible) {
            assertThat(refused(w -> w.compatible(compatible))).startsWith("compatible");
        }

        @Test
        void refusesAMissingOrOverlongCompatible() {
            assertThat(refused(w -> w.compatible(null))).startsWith("compatible");
            assertThat(refused(w -> w.compatible("a".repeat(129)))).startsWith("compatible");
        }

        @Test
        void refusesADescriptionOver4096Characters() {
            assertThat(refused(w -> w.description("d".repeat(4097)))).startsWith("description");
        }

        @Test
        void refusesMetaNestedDeeperThanReadersAccept() throws IOException {
            // Readers accept 16 levels, the manifest included (FORMAT.md §2): meta may have 15.
            assertThat(refused(w -> w.meta(nested(16)))).isEqualTo("meta is nested deeper than 15 levels");
            Path out = dir.resolve("deep.tandem");
            writer(TestImages.write(dir, "img", new byte[10])).meta(nested(15)).write(out);
            SampleBundle.verify(Files.readAllBytes(out));
        }

        @Test
        void refusesMetaThatIsNotAnObject() {
            assertThat(refused(w -> w.meta(JsonNodeFactory.instance.arrayNode())))
                    .isEqualTo("meta must be a JSON object");
        }

        /** An object with {@code levels} levels of objects, itself included. */
        private ObjectNode nested(int levels) {
            ObjectNode meta = JsonNodeFactory.instance.objectNode();
            ObjectNode at = meta;
            for (int k = 1; k < levels; k++) {
                at = at.putObject("a");
            }
            return meta;
        }

        private String refused(Consumer<BundleWriter> edit) {
            BundleWriter w = writer(TestImages.write(dir, "img", new byte[10]));
            edit.accept(w);
            return refused(w);
        }

        private String refused(BundleWriter w) {
            IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class,
                    () -> w.write(dir.resolve("out.tandem")));
            assertThat(e).as("refused").isNotNull();
            SampleBundle.assertOneLine(e);
            assertThat(dir.resolve("out.tandem")).doesNotExist();
            return e.getMessage();
        }
    }

    @Nested
    class Atomicity {

        @Test
        void leavesNoOutputAndNoTemporaryFileWhenTheSignerFails() throws IOException {
            Path images = Files.createDirectories(dir.resolve("images"));
            Path out = Files.createDirectories(dir.resolve("out")).resolve("b.tandem");
            BundleWriter w = writer(TestImages.write(images, "img", TestImages.mixed(300_000, 1)))
                    .signer(m -> {
                        throw new IllegalStateException("token removed");
                    });
            assertThatThrownBy(() -> w.write(out)).hasMessage("token removed");
            assertThat(listing(out.getParent())).isEmpty();
        }

        @Test
        void keepsTheOldBundleWhenWritingANewOneFails() throws IOException {
            Path images = Files.createDirectories(dir.resolve("images"));
            Path out = Files.createDirectories(dir.resolve("out")).resolve("b.tandem");
            writer(TestImages.write(images, "img", TestImages.mixed(30_000, 2))).write(out);
            byte[] before = Files.readAllBytes(out);
            BundleWriter w = writer(TestImages.write(images, "img2", TestImages.mixed(30_000, 3)))
                    .signer(m -> new byte[64 * 1024 + 1]);
            assertThatThrownBy(() -> w.write(out)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("signature is 65537 bytes, more than 65536");
            assertThat(Files.readAllBytes(out)).isEqualTo(before);
            assertThat(listing(out.getParent())).containsExactly("b.tandem");
        }

        @Test
        void leavesOnlyTheBundleAfterSuccess() throws IOException {
            Path images = Files.createDirectories(dir.resolve("images"));
            Path out = Files.createDirectories(dir.resolve("out")).resolve("b.tandem");
            writer(TestImages.write(images, "img", TestImages.mixed(100_000, 4)))
                    .image("boot", "boot", TestImages.write(images, "boot", TestImages.random(5000, 5))).write(out);
            assertThat(listing(out.getParent())).containsExactly("b.tandem");
            assertThat(listing(images)).containsExactlyInAnyOrder("img.img", "boot.img");
        }

        @Test
        void replacesAnExistingBundle() throws IOException {
            Path images = Files.createDirectories(dir.resolve("images"));
            Path out = dir.resolve("b.tandem");
            Files.writeString(out, "old");
            writer(TestImages.write(images, "img", TestImages.mixed(10_000, 6))).write(out);
            SampleBundle.verify(Files.readAllBytes(out));
        }

        private List<String> listing(Path d) throws IOException {
            try (Stream<Path> s = Files.list(d)) {
                return s.map(p -> p.getFileName().toString()).sorted().toList();
            }
        }
    }

    private static BundleWriter writer(Path image) {
        return new BundleWriter().compatible("acme-gw-v2").version("1.0.0").created(TestBundles.CREATED)
                .chunkSize(CHUNK).threads(2).signer(TestBundles.signer()).image("rootfs", "rootfs", image);
    }

    private static ChunkIndex onlyIndex(byte[] bundle) throws IOException {
        return BundleReader.open(new ByteArraySource(bundle, Integer.MAX_VALUE), TestBundles.verifier(), null).nextImage().index();
    }
}
