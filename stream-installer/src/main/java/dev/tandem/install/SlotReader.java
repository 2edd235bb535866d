package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.bundle.ChunkDecoder;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

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

    /** Bytes read at once while hashing a slot: whole chunks, about this many (one chunk if chunks are larger). */
    static final int HASH_BATCH_BYTES = 256 * 1024;

    /**
     * Hashes a slot as far as {@code size} into saved tables (chunks of {@code chunkSize}). The calling thread reads
     * batches of whole chunks ({@link #HASH_BATCH_BYTES}) while {@code workers} verify threads hash the batches read
     * before, and records each batch's hashes once it is hashed, in chunk order. At most {@code workers + 2}
     * batches exist, so memory stays a few MiB whatever the slot's size; every thread has ended when this returns.
     */
    static void hashSlot(BlockTarget slot, long size, int chunkSize, int workers, SavedTables.Builder tables)
            throws IOException {
        int perBatch = Math.max(1, HASH_BATCH_BYTES / chunkSize);
        int depth = Math.max(1, workers) + 2;
        long chunks = ImageEntry.chunkCount(size, chunkSize);
        Deque<HashBatch> inFlight = new ArrayDeque<>(depth);
        try (VerifyWorkers threads = new VerifyWorkers(Math.max(1, workers))) {
            for (long first = 0; first < chunks; first += perBatch) {
                // The oldest batch's buffer is read into again once its hashes are recorded.
                HashBatch batch = inFlight.size() < depth ? new HashBatch(perBatch, chunkSize)
                        : record(inFlight.poll(), tables);
                batch.count = (int) Math.min(perBatch, chunks - first);
                batch.first = first;
                batch.length = (int) Math.min((long) batch.count * chunkSize, size - first * chunkSize);
                read(slot, batch.data, batch.length, first * chunkSize);
                batch.hashed = CompletableFuture.runAsync(batch::hash, threads::execute);
                inFlight.add(batch);
            }
            while (!inFlight.isEmpty()) {
                record(inFlight.poll(), tables);
            }
        }
        tables.commit();
    }

    /** Waits for {@code batch} to be hashed and records its chunks; returns it for the next read. */
    private static HashBatch record(HashBatch batch, SavedTables.Builder tables) throws IOException {
        try {
            batch.hashed.get();
        } catch (InterruptedException e) {
            throw PipelineFailure.interrupted();
        } catch (ExecutionException e) {
            PipelineFailure.rethrow(e.getCause());
        }
        for (int c = 0; c < batch.count; c++) {
            tables.chunk(batch.first + c, batch.chunkHashes[c], batch.blockHashes[c], batch.chunkLength(c));
        }
        return batch;
    }

    /** Consecutive chunks of a slot read at once, and their hashes once a verify thread has hashed them. */
    private static final class HashBatch {
        final int chunkSize;
        final byte[] data;
        final byte[][] blockHashes;
        final byte[][] chunkHashes;
        /** Used by one thread at a time, as the batch is. */
        final ChunkHasher hasher = new ChunkHasher();
        long first;
        int count;
        int length;
        CompletableFuture<Void> hashed;

        HashBatch(int chunks, int chunkSize) {
            this.chunkSize = chunkSize;
            data = new byte[chunks * chunkSize];
            blockHashes = new byte[chunks][(chunkSize / ImageEntry.BLOCK_SIZE) * ChunkHasher.HASH_SIZE];
            chunkHashes = new byte[chunks][ChunkHasher.HASH_SIZE];
        }

        int chunkLength(int c) {
            return Math.min(chunkSize, length - c * chunkSize);
        }

        void hash() {
            for (int c = 0; c < count; c++) {
                hasher.hash(data, c * chunkSize, chunkLength(c), blockHashes[c], chunkHashes[c], 0);
            }
        }
    }

    private static void read(BlockTarget t, byte[] buf, int len, long offset) throws IOException {
        if (t.read(ByteBuffer.wrap(buf, 0, len), offset) < len) {
            throw new IOException(t.name() + ": ends before byte " + (offset + len));
        }
    }
}
