package dev.tandem.bundle;

/**
 * One image of a bundle as the signed manifest describes it (FORMAT.md §2).
 *
 * @param name        names the tar entries {@code images/<name>.*}
 * @param slotClass   the class of slot the image goes to
 * @param size        image size in bytes
 * @param sha256      hex SHA-256 of the whole image
 * @param chunkSize   bytes per chunk (the last chunk may be shorter)
 * @param blockSize   bytes per block (4096)
 * @param compression "zstd"
 * @param indexSha256 hex SHA-256 of the uncompressed chunk table
 * @param indexSize   length of the uncompressed chunk table
 * @param chunks      number of chunks
 */
public record ImageEntry(String name, String slotClass, long size, String sha256, int chunkSize, int blockSize,
                         String compression, String indexSha256, long indexSize, long chunks) {

    /** The only block size of format 1. */
    public static final int BLOCK_SIZE = 4096;
    /** Smallest allowed chunk size. */
    public static final int MIN_CHUNK_SIZE = 16 * 1024;
    /** Largest allowed chunk size. */
    public static final int MAX_CHUNK_SIZE = 4 * 1024 * 1024;

    /** Length of chunk {@code i}: {@code chunkSize}, except for a shorter last chunk. */
    public int chunkLength(long i) {
        long start = i * chunkSize;
        return (int) Math.min(chunkSize, size - start);
    }

    /** Byte offset of chunk {@code i} in the image. */
    public long chunkOffset(long i) {
        return i * chunkSize;
    }

    /** Blocks per full chunk, and hints per non-zero chunk. */
    public int blocksPerChunk() {
        return chunkSize / BLOCK_SIZE;
    }

    /** chunks = ceil(size / chunkSize). */
    public static long chunkCount(long size, int chunkSize) {
        return (size + chunkSize - 1) / chunkSize;
    }

    /** index-size for a number of chunks. */
    public static long indexSize(long chunks) {
        return ChunkIndex.HEADER_SIZE + ChunkIndex.RECORD_SIZE * chunks;
    }

    /** Whether {@code chunkSize} is a power of two within the allowed range. */
    public static boolean isValidChunkSize(long chunkSize) {
        return chunkSize >= MIN_CHUNK_SIZE && chunkSize <= MAX_CHUNK_SIZE && Long.bitCount(chunkSize) == 1;
    }
}
