package dev.tandem.bundle;

import dev.tandem.bundle.fuzz.ByteArraySource;
import static dev.tandem.bundle.SampleBundle.refused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.bundle.VerificationException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A validly signed manifest that does not describe its container: what a buggy or hostile build host could
 * produce. The signature passes; the container, table, chunk or image checks behind it still refuse
 * (FORMAT.md §1, §3, §5, §6).
 */
class SignedButInconsistentBundleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void refusesAnImageWhoseSha256DiffersFromTheManifest() {
        String wrong = "00".repeat(32);
        VerificationException e = refused(edited(m -> image(m, 1).put("sha256", wrong)), Kind.IMAGE);
        assertThat(e.getMessage()).startsWith("image boot: sha256 mismatch (expected " + wrong + ", got ");
        assertThat(e.expected()).isEqualTo(wrong);
        assertThat(e.actual()).isEqualTo(TestImages.sha256(SampleBundle.BOOT));
    }

    @Test
    void refusesAChunkTableWhoseSha256DiffersFromTheManifest() {
        String wrong = "ab".repeat(32);
        VerificationException e = refused(edited(m -> image(m, 0).put("index-sha256", wrong)), Kind.INDEX);
        assertThat(e.getMessage()).startsWith("image rootfs: chunk table sha256 mismatch (expected " + wrong);
        assertThat(e.expected()).isEqualTo(wrong);
    }

    @Test
    void refusesImagesListedInAnotherOrderThanStored() {
        VerificationException e = refused(edited(m -> {
            ArrayNode images = (ArrayNode) m.get("images");
            images.insert(0, images.remove(1));
        }), Kind.CONTAINER);
        assertThat(e.getMessage()).isEqualTo("expected entry images/boot.idx, found 'images/rootfs.idx'");
    }

    @Test
    void refusesImagesStoredButNotListed() {
        VerificationException e = refused(edited(m -> ((ArrayNode) m.get("images")).remove(1)), Kind.CONTAINER);
        assertThat(e.getMessage()).isEqualTo("trailing data after the last entry");
    }

    @Test
    void refusesAnImageSizeThatDisagreesWithItsLastStoredChunk() {
        // One byte more keeps the chunk count; the zstd frame of the last chunk declares one byte less.
        VerificationException e = refused(edited(m -> image(m, 1).put("size", SampleBundle.BOOT.length + 1)),
                Kind.CHUNK);
        assertThat(e.chunkIndex()).isZero();
        assertThat(e.getMessage()).isEqualTo("image boot: chunk 0: zstd frame declares 8000 bytes, the chunk has 8001");
    }

    @Test
    void refusesAnImageSizeThatDisagreesWithItsLastZeroChunkAtTheImageHash() throws IOException {
        // The chunk hash zero-pads the last block (FORMAT.md §3.1), so a zero chunk of 3616 or 3617 bytes
        // hashes alike; the signed image sha256 at the end of the trust chain is what tells them apart.
        BundleReader reader = BundleReader.open(new ByteArraySource(SampleBundle.bytes(), Integer.MAX_VALUE), TestBundles.verifier(), null);
        ChunkIndex rootfs = reader.nextImage().index();
        assertThat(rootfs.kind(4)).isEqualTo(ChunkKind.ZERO);
        VerificationException e = refused(edited(m -> image(m, 0).put("size", SampleBundle.ROOTFS.length + 1)),
                Kind.IMAGE);
        assertThat(e.getMessage()).startsWith("image rootfs: sha256 mismatch");
    }

    @Test
    void refusesAChunkSizeThatDisagreesWithTheTableHeader() {
        VerificationException e = refused(edited(m -> image(m, 1).put("chunk-size", 32 * 1024)), Kind.INDEX);
        assertThat(e.getMessage())
                .isEqualTo("image boot: chunk table header says chunk-size 16384 and 1 chunks, the manifest 32768"
                        + " and 1");
    }

    @Test
    void refusesAManifestThatIsNotJsonEvenWhenSigned() {
        byte[] b = SampleBundle.resigned(SampleBundle.bytes(), "{\"format\": 1,".getBytes(StandardCharsets.UTF_8),
                TestBundles.signer());
        assertThat(refused(b, Kind.MANIFEST).getMessage()).startsWith("manifest: not valid JSON");
    }

    @Test
    void refusesAMarkerOfAnotherFormatVersion() {
        byte[] b = SampleBundle.bytes();
        int at = (int) SampleBundle.entry("tandem-bundle").dataOffset();
        b[at + 14] = '2';
        assertThat(refused(b, Kind.CONTAINER).getMessage())
                .isEqualTo("not a tandem bundle version 1 (marker says 'tandem-bundle 2')");
    }

    @Test
    void refusesAManifestOverOneMebibyteBeforeReadingIt() {
        byte[] big = new byte[ManifestParser.MAX_SIZE + 1];
        Arrays.fill(big, (byte) ' ');
        byte[] b = SampleBundle.resigned(SampleBundle.bytes(), big, TestBundles.signer());
        assertThat(refused(b, Kind.CONTAINER).getMessage())
                .isEqualTo("manifest.json is 1048577 bytes, allowed 2 to 1048576");
    }

    @Test
    void refusesASignatureOverSixtyFourKibibytes() {
        byte[] b = SampleBundle.resigned(SampleBundle.bytes(), SampleBundle.manifest(), m -> new byte[64 * 1024 + 1]);
        assertThat(refused(b, Kind.CONTAINER).getMessage())
                .isEqualTo("manifest.json.p7s is 65537 bytes, allowed 1 to 65536");
    }

    /** The sample with its manifest edited and signed again by the development signer. */
    private static byte[] edited(Consumer<ObjectNode> edit) {
        try {
            ObjectNode m = (ObjectNode) JSON.readTree(SampleBundle.manifest());
            edit.accept(m);
            return SampleBundle.resigned(SampleBundle.bytes(), JSON.writeValueAsBytes(m), TestBundles.signer());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static ObjectNode image(ObjectNode manifest, int i) {
        return (ObjectNode) manifest.get("images").get(i);
    }
}
