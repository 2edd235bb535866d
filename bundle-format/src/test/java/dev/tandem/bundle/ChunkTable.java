package dev.tandem.bundle;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/** An uncompressed chunk table (FORMAT.md §3) built field by field, for tests that break one field. */
final class ChunkTable {

    private final long size;
    private final int chunkSize;
    private final long chunks;
    private final ByteBuffer table;

    ChunkTable(long size, int chunkSize) {
        this.size = size;
        this.chunkSize = chunkSize;
        this.chunks = ImageEntry.chunkCount(size, chunkSize);
        this.table = ByteBuffer.allocate(Math.toIntExact(ImageEntry.indexSize(chunks)));
        ChunkIndex.putHeader(table, chunkSize, chunks);
    }

    /** Sets record {@code i}. */
    ChunkTable record(long i, byte[] hash, long offset, long length, int kind) {
        int at = Math.toIntExact(ChunkIndex.HEADER_SIZE + i * ChunkIndex.RECORD_SIZE);
        table.put(at, hash, 0, 32).putLong(at + 32, offset).putInt(at + 40, (int) length).put(at + 44, (byte) kind);
        return this;
    }

    /** A zero-chunk record with the right hash. */
    ChunkTable zero(long i) {
        return record(i, ChunkHasher.zeroChunkHash(chunkLength(i)), 0, 0, 0);
    }

    /** Overwrites one byte of the table. */
    ChunkTable poke(long at, int value) {
        table.put(Math.toIntExact(at), (byte) value);
        return this;
    }

    int chunkLength(long i) {
        return (int) Math.min(chunkSize, size - i * chunkSize);
    }

    static long recordAt(long i) {
        return ChunkIndex.HEADER_SIZE + i * ChunkIndex.RECORD_SIZE;
    }

    byte[] bytes() {
        return table.array().clone();
    }

    /** The manifest entry whose index-sha256 and index-size match this table. */
    ImageEntry image() {
        return new ImageEntry("rootfs", "rootfs", size, "00".repeat(32), chunkSize, ImageEntry.BLOCK_SIZE, "zstd",
                HexFormat.of().formatHex(ChunkHasher.sha256().digest(table.array())), table.capacity(), chunks);
    }

    /** Validates the table as the reader does after the hash check. */
    ChunkIndex index() {
        return ChunkIndex.validate(image(), ByteBuffer.wrap(bytes()));
    }

    /** The chunk hash of {@code data} (FORMAT.md §3.1). */
    static byte[] hash(byte[] data) {
        byte[] blocks = new byte[ChunkHasher.blockCount(data.length) * 32];
        byte[] out = new byte[32];
        new ChunkHasher().hash(data, 0, data.length, blocks, out, 0);
        return out;
    }
}
