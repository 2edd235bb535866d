package dev.tandem.bundle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Computes chunk hashes (FORMAT.md §3.1): SHA-256 over the SHA-256s of the chunk's 4 KiB blocks, the last
 * block zero-padded. One instance per thread.
 */
public final class ChunkHasher {

    /** Bytes of one SHA-256. */
    public static final int HASH_SIZE = 32;
    private static final int BLOCK = ImageEntry.BLOCK_SIZE;
    private static final byte[] ZERO_BLOCK = new byte[BLOCK];
    private static final ConcurrentHashMap<Integer, byte[]> ZERO_CHUNK_HASHES = new ConcurrentHashMap<>();

    private final MessageDigest blockDigest = sha256();
    private final MessageDigest chunkDigest = sha256();

    /** Number of 4 KiB blocks a chunk of {@code length} bytes spans. */
    public static int blockCount(int length) {
        return (length + BLOCK - 1) / BLOCK;
    }

    /**
     * Hashes {@code length} bytes of {@code data} from {@code off}.
     *
     * @param blockHashes receives {@link #blockCount} block hashes of 32 bytes each, from index 0
     * @param chunkHash   receives the 32-byte chunk hash at {@code chunkHashOff}
     */
    public void hash(byte[] data, int off, int length, byte[] blockHashes, byte[] chunkHash, int chunkHashOff) {
        int blocks = blockCount(length);
        try {
            for (int b = 0; b < blocks; b++) {
                int start = b * BLOCK;
                int n = Math.min(BLOCK, length - start);
                blockDigest.update(data, off + start, n);
                if (n < BLOCK) {
                    blockDigest.update(ZERO_BLOCK, 0, BLOCK - n);
                }
                blockDigest.digest(blockHashes, b * HASH_SIZE, HASH_SIZE);
            }
            chunkDigest.update(blockHashes, 0, blocks * HASH_SIZE);
            chunkDigest.digest(chunkHash, chunkHashOff, HASH_SIZE);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The chunk hash of {@code length} zero bytes (cached: an image has at most two chunk lengths). */
    public static byte[] zeroChunkHash(int length) {
        return ZERO_CHUNK_HASHES.computeIfAbsent(length, len -> {
            ChunkHasher h = new ChunkHasher();
            byte[] blocks = new byte[blockCount(len) * HASH_SIZE];
            byte[] out = new byte[HASH_SIZE];
            h.hash(new byte[len], 0, len, blocks, out, 0);
            return out;
        }).clone();
    }

    /** Whether {@code length} bytes from {@code off} are all zero. */
    public static boolean isZero(byte[] data, int off, int length) {
        int done = 0;
        while (done < length) {
            int n = Math.min(BLOCK, length - done);
            if (Arrays.mismatch(data, off + done, off + done + n, ZERO_BLOCK, 0, n) >= 0) {
                return false;
            }
            done += n;
        }
        return true;
    }

    /** A new SHA-256 digest; every JDK has one. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }
}
