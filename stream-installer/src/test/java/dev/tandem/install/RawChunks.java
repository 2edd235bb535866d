package dev.tandem.install;

import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/** A real, validated chunk table (FORMAT.md §3) of an image stored raw: zero chunks as ZERO, the rest as RAW. */
final class RawChunks {

    private static final int MAGIC = 0x544E4458;

    private RawChunks() {
    }

    static ChunkIndex index(byte[] image, int chunkSize) {
        long chunks = ImageEntry.chunkCount(image.length, chunkSize);
        ByteBuffer t = ByteBuffer.allocate(Math.toIntExact(ImageEntry.indexSize(chunks)));
        t.putInt(MAGIC).putShort((short) 1).putShort((short) 0).putInt(chunkSize).putInt((int) chunks);
        long stored = 0;
        ChunkHasher hasher = new ChunkHasher();
        for (long i = 0; i < chunks; i++) {
            int off = (int) (i * chunkSize);
            int len = Math.min(chunkSize, image.length - off);
            byte[] hash = new byte[32];
            hasher.hash(image, off, len, new byte[ChunkHasher.blockCount(len) * 32], hash, 0);
            boolean zero = ChunkHasher.isZero(image, off, len);
            t.put(hash).putLong(zero ? 0 : stored).putInt(zero ? 0 : len).put((byte) (zero ? 0 : 1))
                    .put((byte) 0).put((byte) 0).put((byte) 0);
            stored += zero ? 0 : len;
        }
        byte[] table = t.array();
        ImageEntry entry = new ImageEntry("rootfs", "rootfs", image.length, "00".repeat(32), chunkSize,
                ImageEntry.BLOCK_SIZE, "zstd", HexFormat.of().formatHex(ChunkHasher.sha256().digest(table)),
                table.length, chunks);
        return ChunkIndex.validate(entry, ByteBuffer.wrap(table));
    }

    /** An image entry of {@code size} bytes in chunks of {@code chunkSize}, for stages that need only its shape. */
    static ImageEntry shape(long size, int chunkSize) {
        long chunks = ImageEntry.chunkCount(size, chunkSize);
        return new ImageEntry("rootfs", "rootfs", size, "00".repeat(32), chunkSize, ImageEntry.BLOCK_SIZE, "zstd",
                "00".repeat(32), ImageEntry.indexSize(chunks), chunks);
    }
}
