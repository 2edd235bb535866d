package dev.tandem.bundle;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The chunk table of one image (FORMAT.md §3), kept as the one buffer it was read into: no object per chunk,
 * so an 8 GiB image costs its 6 MiB table and nothing more.
 *
 * <p>Instances are validated on construction; every accessor can be trusted afterwards.
 */
public final class ChunkIndex {

    /** Table header size. */
    public static final int HEADER_SIZE = 16;
    /** Size of one chunk record. */
    public static final int RECORD_SIZE = 48;
    static final int MAGIC = 0x544E4458; // "TNDX"
    static final int VERSION = 1;

    private static final HexFormat HEX = HexFormat.of();

    private final ImageEntry image;
    private final ByteBuffer table;
    private final long storedTotal;
    private final long nonZeroChunks;
    private int[] nonZeroOrdinals;

    private ChunkIndex(ImageEntry image, ByteBuffer table, long storedTotal, long nonZeroChunks) {
        this.image = image;
        this.table = table;
        this.storedTotal = storedTotal;
        this.nonZeroChunks = nonZeroChunks;
    }

    /**
     * Wraps and validates an uncompressed table whose SHA-256 the caller has already matched with the
     * manifest's {@code index-sha256}.
     */
    public static ChunkIndex validate(ImageEntry image, ByteBuffer table) {
        if (table.capacity() != image.indexSize()) {
            throw invalid(image, "is " + table.capacity() + " bytes, manifest says " + image.indexSize());
        }
        if (table.getInt(0) != MAGIC || table.getShort(4) != VERSION || table.getShort(6) != 0) {
            throw invalid(image, "has a bad header (magic, version or flags)");
        }
        if (table.getInt(8) != image.chunkSize() || Integer.toUnsignedLong(table.getInt(12)) != image.chunks()) {
            throw invalid(image, "header says chunk-size " + table.getInt(8) + " and "
                    + Integer.toUnsignedLong(table.getInt(12)) + " chunks, the manifest "
                    + image.chunkSize() + " and " + image.chunks());
        }
        long expectedOffset = 0;
        long nonZero = 0;
        byte[] hash = new byte[ChunkHasher.HASH_SIZE];
        for (long i = 0; i < image.chunks(); i++) {
            int at = recordAt(i);
            int code = table.get(at + 44) & 0xff;
            ChunkKind kind = ChunkKind.ofCode(code);
            if (kind == null) {
                throw invalid(image, "chunk " + i + " has unknown kind " + code);
            }
            if (table.get(at + 45) != 0 || table.get(at + 46) != 0 || table.get(at + 47) != 0) {
                throw invalid(image, "chunk " + i + " has non-zero reserved bytes");
            }
            long offset = table.getLong(at + 32);
            long length = Integer.toUnsignedLong(table.getInt(at + 40));
            int chunkLength = image.chunkLength(i);
            switch (kind) {
                case ZERO -> {
                    table.get(at, hash);
                    if (offset != 0 || length != 0 || !Arrays.equals(hash, ChunkHasher.zeroChunkHash(chunkLength))) {
                        throw invalid(image, "zero chunk " + i + " has an offset, a length or a non-zero hash");
                    }
                }
                case RAW -> {
                    if (length != chunkLength) {
                        throw invalid(image, "raw chunk " + i + " stores " + length + " bytes, not " + chunkLength);
                    }
                }
                case ZSTD -> {
                    if (length == 0 || length >= chunkLength) {
                        throw invalid(image, "zstd chunk " + i + " stores " + length + " bytes for a "
                                + chunkLength + "-byte chunk");
                    }
                }
            }
            if (kind != ChunkKind.ZERO) {
                if (offset != expectedOffset) {
                    throw invalid(image, "chunk " + i + " is stored at " + offset + ", expected " + expectedOffset
                            + " (stored chunks must be contiguous and in order)");
                }
                expectedOffset += length;
                nonZero++;
            }
        }
        return new ChunkIndex(image, table.asReadOnlyBuffer(), expectedOffset, nonZero);
    }

    private static VerificationException invalid(ImageEntry image, String what) {
        return new VerificationException(VerificationException.Kind.INDEX,
                "image " + image.name() + ": chunk table " + what);
    }

    private static int recordAt(long i) {
        return Math.toIntExact(HEADER_SIZE + i * RECORD_SIZE);
    }

    /** The image this table describes. */
    public ImageEntry image() {
        return image;
    }

    public long count() {
        return image.chunks();
    }

    /** Copies chunk {@code i}'s hash into {@code dst} at {@code off}. */
    public void hash(long i, byte[] dst, int off) {
        table.get(recordAt(i), dst, off, ChunkHasher.HASH_SIZE);
    }

    /** Chunk {@code i}'s hash as a new array. */
    public byte[] hash(long i) {
        byte[] h = new byte[ChunkHasher.HASH_SIZE];
        hash(i, h, 0);
        return h;
    }

    /** Whether chunk {@code i}'s hash equals the 32 bytes at {@code off}. */
    public boolean hashEquals(long i, byte[] candidate, int off) {
        int at = recordAt(i);
        for (int k = 0; k < ChunkHasher.HASH_SIZE; k++) {
            if (table.get(at + k) != candidate[off + k]) {
                return false;
            }
        }
        return true;
    }

    /** Chunk {@code i}'s hash in hex, for messages. */
    public String hashHex(long i) {
        return HEX.formatHex(hash(i));
    }

    public ChunkKind kind(long i) {
        return ChunkKind.ofCode(table.get(recordAt(i) + 44));
    }

    /** Offset of the stored chunk within the image's {@code .dat} entry. */
    public long storedOffset(long i) {
        return table.getLong(recordAt(i) + 32);
    }

    public int storedLength(long i) {
        return table.getInt(recordAt(i) + 40);
    }

    /** Length of the {@code .dat} entry: the sum of all stored lengths. */
    public long storedTotal() {
        return storedTotal;
    }

    /** Chunks of kind raw or zstd. */
    public long nonZeroCount() {
        return nonZeroChunks;
    }

    /** Position of non-zero chunk {@code i} among the non-zero chunks: where its block hints sit. */
    public synchronized long nonZeroOrdinal(long i) {
        if (kind(i) == ChunkKind.ZERO) {
            throw new IllegalArgumentException("chunk " + i + " is a zero chunk and has no hints");
        }
        if (nonZeroOrdinals == null) {
            int[] ordinals = new int[Math.toIntExact(count())];
            int m = 0;
            for (int c = 0; c < ordinals.length; c++) {
                ordinals[c] = m;
                if (kind(c) != ChunkKind.ZERO) {
                    m++;
                }
            }
            nonZeroOrdinals = ordinals;
        }
        return nonZeroOrdinals[Math.toIntExact(i)];
    }

    /** Writes the table header (used by the writer). */
    public static void putHeader(ByteBuffer dst, int chunkSize, long chunks) {
        dst.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putInt(chunkSize).putInt((int) chunks);
    }

    /** Writes one record (used by the writer). */
    public static void putRecord(ByteBuffer dst, byte[] hash, long offset, int length, ChunkKind kind) {
        dst.put(hash, 0, ChunkHasher.HASH_SIZE).putLong(offset).putInt(length).put((byte) kind.code())
                .put((byte) 0).put((byte) 0).put((byte) 0);
    }
}
