package dev.tandem.bundle;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Turns a stored chunk into verified chunk bytes: checks the zstd frame's shape before decoding (one frame,
 * no dictionary, declared content size equal to the chunk length, so no output beyond the chunk is
 * possible), decodes into a chunk-sized buffer and compares the chunk hash with the signed one.
 * One instance per thread; reuse it.
 */
public final class ChunkDecoder implements AutoCloseable {

    private static final int ZSTD_MAGIC = 0xFD2FB528;
    /** What zstd's getFrameContentSize returns for a frame without a content size (-2 means an error). */
    private static final long ZSTD_CONTENTSIZE_UNKNOWN = -1;

    private final ZstdDecompressCtx zstd = new ZstdDecompressCtx();
    private final ChunkHasher hasher = new ChunkHasher();
    private final byte[] actualHash = new byte[ChunkHasher.HASH_SIZE];

    /**
     * Decodes and verifies chunk {@code i}.
     *
     * @param stored      the stored bytes (raw or zstd) at {@code off}, {@code len} long
     * @param out         receives the chunk's {@link ImageEntry#chunkLength} bytes from index 0
     * @param blockHashes receives the chunk's block hashes (32 bytes each), computed while verifying
     * @return the chunk length
     * @throws VerificationException (CHUNK) when the bytes are not the signed chunk
     */
    public int decode(ChunkIndex index, long i, byte[] stored, int off, int len, byte[] out, byte[] blockHashes) {
        ImageEntry image = index.image();
        int chunkLength = image.chunkLength(i);
        ChunkKind kind = index.kind(i);
        if (len != index.storedLength(i)) {
            throw bad(image, i, "stored length is " + len + ", the table says " + index.storedLength(i));
        }
        switch (kind) {
            case ZERO -> Arrays.fill(out, 0, chunkLength, (byte) 0);
            case RAW -> System.arraycopy(stored, off, out, 0, chunkLength);
            case ZSTD -> decompress(image, i, stored, off, len, out, chunkLength);
        }
        return verify(index, i, out, chunkLength, blockHashes);
    }

    /**
     * Verifies chunk bytes obtained another way (read from a local slot, assembled from local blocks).
     *
     * @return the chunk length
     * @throws VerificationException (CHUNK) when the bytes are not the signed chunk
     */
    public int verify(ChunkIndex index, long i, byte[] data, int chunkLength, byte[] blockHashes) {
        hasher.hash(data, 0, chunkLength, blockHashes, actualHash, 0);
        if (!index.hashEquals(i, actualHash, 0)) {
            String expected = index.hashHex(i);
            String actual = HexFormat.of().formatHex(actualHash);
            throw new VerificationException(VerificationException.Kind.CHUNK, "image " + index.image().name()
                    + ": chunk " + i + ": sha256 mismatch (expected " + expected.substring(0, 12) + "..., got "
                    + actual.substring(0, 12) + "...)", i, expected, actual);
        }
        return chunkLength;
    }

    private void decompress(ImageEntry image, long i, byte[] stored, int off, int len, byte[] out, int chunkLength) {
        if (len < 4 || (stored[off] & 0xff | (stored[off + 1] & 0xff) << 8 | (stored[off + 2] & 0xff) << 16
                | (stored[off + 3] & 0xff) << 24) != ZSTD_MAGIC) {
            throw bad(image, i, "is not a zstd frame");
        }
        long contentSize;
        long frameSize;
        try {
            contentSize = Zstd.getFrameContentSize(stored, off, len);
            frameSize = Zstd.findFrameCompressedSize(stored, off, len);
        } catch (ZstdException | IllegalArgumentException e) {
            throw bad(image, i, "has a malformed zstd frame header");
        }
        if (contentSize == ZSTD_CONTENTSIZE_UNKNOWN) {
            throw bad(image, i, "zstd frame does not declare its content size");
        }
        if (contentSize < 0) {
            throw bad(image, i, "has a malformed zstd frame header");
        }
        if (contentSize != chunkLength) {
            throw bad(image, i, "zstd frame declares " + contentSize + " bytes, the chunk has " + chunkLength);
        }
        if (frameSize != len) {
            throw bad(image, i, "is not exactly one zstd frame");
        }
        if (Zstd.getDictIdFromFrame(Arrays.copyOfRange(stored, off, off + Math.min(len, 18))) != 0) {
            throw bad(image, i, "zstd frame needs a dictionary");
        }
        int n;
        try {
            n = zstd.decompressByteArray(out, 0, chunkLength, stored, off, len);
        } catch (ZstdException e) {
            throw bad(image, i, "does not decompress (" + e.getMessage() + ")");
        }
        if (n != chunkLength) {
            throw bad(image, i, "decompresses to " + n + " bytes, not " + chunkLength);
        }
    }

    private static VerificationException bad(ImageEntry image, long i, String what) {
        return new VerificationException(VerificationException.Kind.CHUNK,
                "image " + image.name() + ": chunk " + i + ": " + what, i, null, null);
    }

    @Override
    public void close() {
        zstd.close();
    }
}
