package dev.tandem.bundle;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks a whole bundle without installing it ({@code tandem bundle verify}): signature, container, every
 * chunk against its signed hash, and every image against its signed SHA-256.
 */
public final class BundleVerifier {

    /** Per-image figures. */
    public record ImageReport(ImageEntry image, long zeroChunks, long rawChunks, long zstdChunks, long storedBytes) {
    }

    /** What was checked. */
    public record Report(Manifest manifest, String bundleId, List<ImageReport> images) {
    }

    private BundleVerifier() {
    }

    /** Reads {@code source} to the end; throws {@link VerificationException} at the first problem. */
    public static Report verifyAll(BundleSource source, ManifestVerifier verifier, Path spillDir) throws IOException {
        BundleReader reader = BundleReader.open(source, verifier, spillDir);
        List<ImageReport> reports = new ArrayList<>();
        try (ChunkDecoder decoder = new ChunkDecoder()) {
            while (reader.hasNextImage()) {
                ImageSection section = reader.nextImage();
                ImageEntry image = section.image();
                ChunkIndex index = section.index();
                byte[] stored = new byte[image.chunkSize()];
                byte[] chunk = new byte[image.chunkSize()];
                byte[] blocks = new byte[image.blocksPerChunk() * ChunkHasher.HASH_SIZE];
                MessageDigest imageSha = ChunkHasher.sha256();
                long zero = 0;
                long raw = 0;
                long zstd = 0;
                for (long i = 0; i < index.count(); i++) {
                    ChunkKind kind = index.kind(i);
                    int len;
                    if (kind == ChunkKind.ZERO) {
                        len = decoder.decode(index, i, stored, 0, 0, chunk, blocks);
                        zero++;
                    } else {
                        int n = section.readStored(i, stored);
                        len = decoder.decode(index, i, stored, 0, n, chunk, blocks);
                        if (kind == ChunkKind.RAW) {
                            raw++;
                        } else {
                            zstd++;
                        }
                    }
                    imageSha.update(chunk, 0, len);
                }
                String actual = HexFormat.of().formatHex(imageSha.digest());
                if (!actual.equals(image.sha256())) {
                    throw new VerificationException(VerificationException.Kind.IMAGE, "image " + image.name()
                            + ": sha256 mismatch (expected " + image.sha256() + ", got " + actual + ")", -1,
                            image.sha256(), actual);
                }
                reports.add(new ImageReport(image, zero, raw, zstd, index.storedTotal()));
            }
            reader.finish();
        }
        return new Report(reader.manifest(), reader.bundleId(), reports);
    }
}
