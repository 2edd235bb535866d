package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.bundle.ChunkDecoder;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Reads a slot back from the device: to check a written image against its signed hashes after a resume (its
 * earlier chunks were written by another process), and to make the saved tables of a slot that has none (a
 * factory-flashed device).
 */
final class SlotReader {

    private SlotReader() {
    }

    /**
     * Reads the image back, checks every chunk against the index and records the tables.
     *
     * @return the image's SHA-256 (hex)
     */
    static String verify(BlockTarget target, ChunkIndex index, SavedTables.Builder tables, ProgressTracker progress)
            throws IOException {
        ImageEntry image = index.image();
        byte[] data = new byte[image.chunkSize()];
        byte[] blocks = new byte[image.blocksPerChunk() * ChunkHasher.HASH_SIZE];
        byte[] chunkHash = new byte[ChunkHasher.HASH_SIZE];
        MessageDigest sha = ChunkHasher.sha256();
        try (ChunkDecoder decoder = new ChunkDecoder()) {
            for (long i = 0; i < index.count(); i++) {
                int len = image.chunkLength(i);
                read(target, data, len, image.chunkOffset(i));
                decoder.verify(index, i, data, len, blocks);
                index.hash(i, chunkHash, 0);
                tables.chunk(i, chunkHash, blocks, len);
                sha.update(data, 0, len);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Hashes a whole slot into saved tables (chunks of {@code chunkSize}). */
    static void hashSlot(BlockTarget slot, long size, int chunkSize, SavedTables.Builder tables) throws IOException {
        byte[] data = new byte[chunkSize];
        byte[] blocks = new byte[(chunkSize / ImageEntry.BLOCK_SIZE) * ChunkHasher.HASH_SIZE];
        byte[] chunkHash = new byte[ChunkHasher.HASH_SIZE];
        ChunkHasher hasher = new ChunkHasher();
        long chunks = ImageEntry.chunkCount(size, chunkSize);
        for (long i = 0; i < chunks; i++) {
            int len = (int) Math.min(chunkSize, size - i * chunkSize);
            read(slot, data, len, i * chunkSize);
            hasher.hash(data, 0, len, blocks, chunkHash, 0);
            tables.chunk(i, chunkHash, blocks, len);
        }
        tables.commit();
    }

    private static void read(BlockTarget t, byte[] buf, int len, long offset) throws IOException {
        if (t.read(ByteBuffer.wrap(buf, 0, len), offset) < len) {
            throw new IOException(t.name() + ": ends before byte " + (offset + len));
        }
    }
}
