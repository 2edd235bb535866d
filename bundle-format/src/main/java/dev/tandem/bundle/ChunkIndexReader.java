package dev.tandem.bundle;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Reads an {@code .idx} entry: one zstd frame, stream-decompressed with a small window, the output capped at
 * the signed {@code index-size} and hashed against {@code index-sha256} before the table is trusted.
 */
public final class ChunkIndexReader {

    /** Tables up to this size live on the heap; larger ones in a memory-mapped temporary file. */
    static final long HEAP_LIMIT = 8L * 1024 * 1024;
    /** Refuse tables larger than this (about 22 million chunks). */
    static final long MAX_INDEX_SIZE = 1L << 30;
    /** zstd window log limit: 8 MiB. */
    static final int WINDOW_LOG_MAX = 23;
    /**
     * Largest table read for a manifest whose signature was not checked ({@code bundle info} without a keyring):
     * the heap limit, so it is never spilled. Its sizes are the sender's word; without this a 300 KiB file
     * declaring tables of 1 GiB (zstd expands them 30000-fold) wrote gigabytes of temporary files.
     */
    public static final long UNVERIFIED_LIMIT = HEAP_LIMIT;
    private static final int IO = 64 * 1024;

    private final Path spillDir;
    private final long maxIndexSize;

    /** @param spillDir where large tables are spilled (the installer's {@code <data-dir>/tmp}); null: java.io.tmpdir */
    public ChunkIndexReader(Path spillDir) {
        this(spillDir, MAX_INDEX_SIZE);
    }

    private ChunkIndexReader(Path spillDir, long maxIndexSize) {
        this.spillDir = spillDir;
        this.maxIndexSize = maxIndexSize;
    }

    /** A reader for tables an unchecked manifest declares: at most {@link #UNVERIFIED_LIMIT} bytes each. */
    static ChunkIndexReader forUnverifiedManifest() {
        return new ChunkIndexReader(null, UNVERIFIED_LIMIT);
    }

    /** Largest {@code .idx} entry allowed for an image. */
    static long maxCompressedSize(ImageEntry image) {
        return Zstd.compressBound(image.indexSize());
    }

    /**
     * Decompresses exactly {@code compressedLength} bytes from {@code in} and returns the validated table.
     */
    public ChunkIndex read(InputStream in, long compressedLength, ImageEntry image) throws IOException {
        if (image.indexSize() > maxIndexSize) {
            throw invalid(image, "index-size " + image.indexSize() + " is larger than this reader allows"
                    + (maxIndexSize < MAX_INDEX_SIZE ? " before the signature is checked (" + maxIndexSize + " bytes)"
                    : ""));
        }
        if (compressedLength > maxCompressedSize(image)) {
            throw invalid(image, "entry is " + compressedLength + " bytes, more than a " + image.indexSize()
                    + "-byte table can compress to");
        }
        ByteBuffer table = allocate(image.indexSize());
        MessageDigest sha = ChunkHasher.sha256();
        long inputLeft = compressedLength;
        byte[] io = new byte[IO];
        ByteBuffer src = ByteBuffer.allocateDirect(IO);
        ByteBuffer dst = ByteBuffer.allocateDirect(IO);
        src.limit(0);
        boolean frameDone = false;
        try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
            ctx.setLongMax(WINDOW_LOG_MAX);
            while (!frameDone) {
                if (!src.hasRemaining()) {
                    if (inputLeft == 0) {
                        throw invalid(image, "ends inside its zstd frame");
                    }
                    int n = in.readNBytes(io, 0, (int) Math.min(IO, inputLeft));
                    if (n <= 0) {
                        throw new VerificationException(VerificationException.Kind.CONTAINER,
                                "bundle is truncated inside images/" + image.name() + ".idx");
                    }
                    inputLeft -= n;
                    src.clear();
                    src.put(io, 0, n).flip();
                }
                dst.clear();
                // One byte more than the table may hold, so an overlong frame is noticed.
                dst.limit((int) Math.min(IO, table.remaining() + 1L));
                try {
                    frameDone = ctx.decompressDirectByteBufferStream(dst, src);
                } catch (ZstdException e) {
                    throw invalid(image, "is not a valid zstd frame (" + e.getMessage() + ")");
                }
                dst.flip();
                if (dst.remaining() > table.remaining()) {
                    throw invalid(image, "decompresses to more than index-size " + image.indexSize());
                }
                sha.update(dst.duplicate());
                table.put(dst);
            }
        }
        if (src.hasRemaining() || inputLeft > 0) {
            throw invalid(image, "has data after its zstd frame");
        }
        if (table.hasRemaining()) {
            throw invalid(image, "decompresses to " + table.position() + " bytes, index-size is " + image.indexSize());
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(image.indexSha256())) {
            throw new VerificationException(VerificationException.Kind.INDEX, "image " + image.name()
                    + ": chunk table sha256 mismatch (expected " + image.indexSha256() + ", got " + actual + ")",
                    -1, image.indexSha256(), actual);
        }
        table.clear();
        return ChunkIndex.validate(image, table);
    }

    private ByteBuffer allocate(long size) {
        if (size <= HEAP_LIMIT) {
            return ByteBuffer.allocate((int) size);
        }
        try {
            Path dir = spillDir != null ? spillDir : Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(dir);
            Path file = Files.createTempFile(dir, "chunk-table-", ".tmp");
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
                return map;
            } finally {
                // The mapping outlives the name; nothing is left behind after a crash but an unlinked inode.
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill a " + size + "-byte chunk table: " + e.getMessage(), e);
        }
    }

    private static VerificationException invalid(ImageEntry image, String what) {
        return new VerificationException(VerificationException.Kind.INDEX, "image " + image.name() + ": chunk table "
                + what);
    }
}
