package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import dev.tandem.bundle.fuzz.ByteArraySource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small unsigned bundle that declares a huge chunk table, as an attacker hands to {@code bundle info} without a
 * keyring: every byte of it is well formed (a 21 GiB all-zero image, its 64 MiB table zstd-compressed to a few
 * KiB), only nobody signed it. Before its signature is checked the reader expands no table beyond
 * {@link ChunkIndexReader#UNVERIFIED_LIMIT}; a checked manifest may declare (and spill) it.
 */
class UnverifiedManifestBoundsTest {

    static final int CHUNK_SIZE = 16 * 1024;
    static final long TABLE_SIZE = 64L << 20;

    static byte[] bundle;

    @TempDir
    Path spill;

    @BeforeAll
    static void craft() throws IOException {
        long chunks = (TABLE_SIZE - ChunkIndex.HEADER_SIZE) / ChunkIndex.RECORD_SIZE;
        ByteBuffer table = ByteBuffer.allocate(Math.toIntExact(ImageEntry.indexSize(chunks)));
        ChunkIndex.putHeader(table, CHUNK_SIZE, chunks);
        byte[] zeroHash = ChunkHasher.zeroChunkHash(CHUNK_SIZE);
        for (long i = 0; i < chunks; i++) {
            ChunkIndex.putRecord(table, zeroHash, 0, 0, ChunkKind.ZERO);
        }
        byte[] idx = Zstd.compress(table.array(), 3);
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = json.createObjectNode();
        m.put("format", 1).put("compatible", "acme-board").put("version", "1.0.0")
                .put("created", "2026-01-01T00:00:00Z");
        m.putArray("images").addObject().put("name", "rootfs").put("slot-class", "rootfs")
                .put("size", chunks * CHUNK_SIZE).put("sha256", "00".repeat(32)).put("chunk-size", CHUNK_SIZE)
                .put("block-size", ImageEntry.BLOCK_SIZE).put("compression", "zstd")
                .put("index-sha256", HexFormat.of().formatHex(ChunkHasher.sha256().digest(table.array())))
                .put("index-size", table.capacity()).put("chunks", chunks);
        bundle = TarBytes.concat(
                TarBytes.entry("tandem-bundle", BundleReader.MARKER, 0),
                TarBytes.entry("manifest.json", json.writeValueAsBytes(m), 0),
                TarBytes.entry("manifest.json.p7s", "not a signature".getBytes(StandardCharsets.US_ASCII), 0),
                TarBytes.entry("images/rootfs.idx", idx, 0),
                TarBytes.entry("images/rootfs.blk", new byte[0], 0),
                TarBytes.entry("images/rootfs.dat", new byte[0], 0),
                new byte[2 * TarBytes.BLOCK]);
    }

    @Test
    void theCraftedBundleIsSmall() {
        assertThat(bundle.length).isLessThan(64 * 1024);
    }

    @Test
    void anUnverifiedManifestCannotMakeTheReaderExpandALargeTable() throws IOException {
        try (BundleReader reader = BundleReader.open(new ByteArraySource(bundle, Integer.MAX_VALUE),
                ManifestVerifier.unverified(), spill)) {
            VerificationException e = catchThrowableOfType(VerificationException.class, reader::nextImage);
            assertThat(e).isNotNull();
            assertThat(e.kind()).isEqualTo(VerificationException.Kind.INDEX);
            assertThat(e.getMessage()).isEqualTo("image rootfs: chunk table index-size " + TABLE_SIZE
                    + " is larger than this reader allows before the signature is checked ("
                    + ChunkIndexReader.UNVERIFIED_LIMIT + " bytes)");
        }
    }

    @Test
    void aCheckedManifestMayDeclareTheSameTable() throws IOException {
        ManifestVerifier acceptsAll = (manifest, signature) -> { };
        try (BundleReader reader = BundleReader.open(new ByteArraySource(bundle, Integer.MAX_VALUE), acceptsAll,
                spill)) {
            ImageSection s = reader.nextImage();
            assertThat(s.index().nonZeroCount()).isZero();
            reader.finish();
        }
    }
}
