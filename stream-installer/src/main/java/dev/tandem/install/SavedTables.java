package dev.tandem.install;

import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.DurableFile;
import dev.tandem.storage.FileBlockTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * What the installer knows is on a slot, kept in {@code <data-dir>/slots/}: the chunk hashes of the image it
 * wrote ({@code <slot>.idx}) and the first 8 bytes of the SHA-256 of every 4 KiB block ({@code <slot>.blk}),
 * both in image order. Only hashes the installer computed or verified itself are saved, never a bundle's
 * unsigned hints, and every chunk found through them is verified again before use: a stale table costs a
 * download, never a wrong byte.
 *
 * <p>Format ({@code .idx}): "TNDS", u32 version 1, u32 chunk size, u64 image size, u64 chunk count, then
 * 32 bytes per chunk. ({@code .blk}): "TNDB", u32 version 1, u64 image size, u64 block count, then 8 bytes
 * per block. Big-endian.
 */
public final class SavedTables {

    static final int IDX_MAGIC = 0x544E4453; // "TNDS"
    static final int BLK_MAGIC = 0x544E4442; // "TNDB"
    static final int IDX_HEADER = 4 + 4 + 4 + 8 + 8;
    static final int BLK_HEADER = 4 + 4 + 8 + 8;
    static final int HINT = 8;

    private final Path dir;
    private final Disk disk;

    /** @param dir {@code <data-dir>/slots} */
    public SavedTables(Path dir) {
        this(dir, Disk.REAL);
    }

    /** @param disk how the tables reach the disk: tests pass it through the power-cut simulator */
    SavedTables(Path dir, Disk disk) {
        this.dir = dir;
        this.disk = disk;
    }

    /**
     * The durable steps of saving tables: writing a new table (made durable by its {@link BlockTarget#sync}),
     * renaming it into place and deleting one. {@link #REAL} on the file system; the power-cut matrix cuts
     * each step like any other write barrier.
     */
    public interface Disk {
        /** A new empty file, written at positions. */
        BlockTarget create(Path file) throws IOException;

        /** Renames {@code from} over {@code to} atomically, and durably (the directory is synced). */
        void rename(Path from, Path to) throws IOException;

        /** Deletes {@code file} if it exists, durably. */
        void delete(Path file) throws IOException;

        Disk REAL = new Disk() {
            @Override
            public BlockTarget create(Path file) throws IOException {
                Files.newByteChannel(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return FileBlockTarget.open(file);
            }

            @Override
            public void rename(Path from, Path to) throws IOException {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                DurableFile.syncDirectory(to.getParent());
            }

            @Override
            public void delete(Path file) throws IOException {
                DurableFile.at(file).delete();
            }
        };
    }

    Path idxFile(String slot) {
        return dir.resolve(slot + ".idx");
    }

    Path blkFile(String slot) {
        return dir.resolve(slot + ".blk");
    }

    /** Forgets a slot's tables: called before the slot's first byte changes. */
    public void drop(String slot) throws IOException {
        disk.delete(idxFile(slot));
        disk.delete(blkFile(slot));
    }

    /** Whether both tables of a slot exist. */
    public boolean has(String slot) {
        return Files.isRegularFile(idxFile(slot)) && Files.isRegularFile(blkFile(slot));
    }

    /** The saved chunk table of a slot, or null when there is none or it is unreadable. */
    public SavedChunks chunks(String slot) throws IOException {
        Path f = idxFile(slot);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(IDX_HEADER);
            if (ch.read(h, 0) != IDX_HEADER) {
                return null;
            }
            h.flip();
            if (h.getInt() != IDX_MAGIC || h.getInt() != 1) {
                return null;
            }
            int chunkSize = h.getInt();
            long imageSize = h.getLong();
            long count = h.getLong();
            if (count != ImageEntry.chunkCount(imageSize, chunkSize) || ch.size() != IDX_HEADER + 32L * count) {
                return null;
            }
            ByteBuffer hashes = ch.map(FileChannel.MapMode.READ_ONLY, IDX_HEADER, 32L * count);
            return new SavedChunks(chunkSize, imageSize, count, hashes);
        }
    }

    /** The saved block table of a slot, or null. */
    public SavedBlocks blocks(String slot) throws IOException {
        Path f = blkFile(slot);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(BLK_HEADER);
            if (ch.read(h, 0) != BLK_HEADER) {
                return null;
            }
            h.flip();
            if (h.getInt() != BLK_MAGIC || h.getInt() != 1) {
                return null;
            }
            long imageSize = h.getLong();
            long count = h.getLong();
            if (count != (imageSize + ImageEntry.BLOCK_SIZE - 1) / ImageEntry.BLOCK_SIZE
                    || ch.size() != BLK_HEADER + (long) HINT * count) {
                return null;
            }
            return new SavedBlocks(imageSize, count, ch.map(FileChannel.MapMode.READ_ONLY, BLK_HEADER, HINT * count));
        }
    }

    /** Chunk hashes of a slot's image, in image order. */
    public record SavedChunks(int chunkSize, long imageSize, long count, ByteBuffer hashes) {
        public boolean hashEquals(long i, ChunkIndex index, long j) {
            byte[] mine = new byte[32];
            hashes.get(Math.toIntExact(32 * i), mine);
            return index.hashEquals(j, mine, 0);
        }

        /** The first 8 bytes of chunk {@code i}'s hash as a long: a lookup key. */
        public long key(long i) {
            return hashes.getLong(Math.toIntExact(32 * i));
        }
    }

    /** Block hash prefixes of a slot's image, in image order. */
    public record SavedBlocks(long imageSize, long count, ByteBuffer prefixes) {
        public long key(long block) {
            return prefixes.getLong(Math.toIntExact(HINT * block));
        }
    }

    /**
     * Builds a slot's tables while its image is written: chunk and block hashes arrive per chunk, in any order,
     * and go straight to two files at their positions; {@link #commit} moves both into place.
     */
    public Builder builder(String slot, long imageSize, int chunkSize) throws IOException {
        return new Builder(slot, imageSize, chunkSize);
    }

    /** See {@link #builder}. Not thread-safe: the writer thread owns it. */
    public final class Builder implements AutoCloseable {
        private final String slot;
        private final int chunkSize;
        private final int blocksPerChunk;
        private final Path blkTmp;
        private final Path idxTmp;
        private final BlockTarget blk;
        private final BlockTarget idx;
        private final Appender blkOut;
        private final Appender idxOut;
        private final ByteBuffer prefixes;
        private boolean committed;

        private Builder(String slot, long imageSize, int chunkSize) throws IOException {
            this.slot = slot;
            this.chunkSize = chunkSize;
            this.blocksPerChunk = chunkSize / ImageEntry.BLOCK_SIZE;
            Files.createDirectories(dir);
            this.blkTmp = dir.resolve(slot + ".blk.partial");
            this.idxTmp = dir.resolve(slot + ".idx.partial");
            Files.deleteIfExists(blkTmp);
            Files.deleteIfExists(idxTmp);
            this.blk = disk.create(blkTmp);
            this.idx = disk.create(idxTmp);
            long blocks = (imageSize + ImageEntry.BLOCK_SIZE - 1) / ImageEntry.BLOCK_SIZE;
            long chunks = ImageEntry.chunkCount(imageSize, chunkSize);
            ByteBuffer h = ByteBuffer.allocate(BLK_HEADER);
            h.putInt(BLK_MAGIC).putInt(1).putLong(imageSize).putLong(blocks).flip();
            blk.write(h, 0);
            ByteBuffer ih = ByteBuffer.allocate(IDX_HEADER);
            ih.putInt(IDX_MAGIC).putInt(1).putInt(chunkSize).putLong(imageSize).putLong(chunks).flip();
            idx.write(ih, 0);
            this.prefixes = ByteBuffer.allocate(blocksPerChunk * HINT);
            this.blkOut = new Appender(blk);
            this.idxOut = new Appender(idx);
        }

        /**
         * Records chunk {@code i}: its verified chunk hash and the hashes of its blocks (32 bytes each, as
         * computed while verifying).
         */
        public void chunk(long i, byte[] chunkHash, byte[] blockHashes, int chunkLength) throws IOException {
            int blocks = ChunkHasher.blockCount(chunkLength);
            prefixes.clear();
            for (int b = 0; b < blocks; b++) {
                prefixes.put(blockHashes, b * 32, HINT);
            }
            prefixes.flip();
            blkOut.put(prefixes, BLK_HEADER + HINT * (i * blocksPerChunk));
            idxOut.put(ByteBuffer.wrap(chunkHash, 0, 32), IDX_HEADER + 32L * i);
        }

        /** Records a zero chunk. */
        public void zeroChunk(long i, int chunkLength) throws IOException {
            int blocks = ChunkHasher.blockCount(chunkLength);
            prefixes.clear();
            for (int b = 0; b < blocks; b++) {
                prefixes.put(ZERO_BLOCK_HASH, 0, HINT);
            }
            prefixes.flip();
            blkOut.put(prefixes, BLK_HEADER + HINT * (i * blocksPerChunk));
            idxOut.put(ByteBuffer.wrap(ChunkHasher.zeroChunkHash(chunkLength)), IDX_HEADER + 32L * i);
        }

        /** Makes both tables durable and moves them into place. */
        public void commit() throws IOException {
            blkOut.flush();
            idxOut.flush();
            blk.sync();
            idx.sync();
            disk.rename(idxTmp, idxFile(slot));
            disk.rename(blkTmp, blkFile(slot));
            committed = true;
        }

        @Override
        public void close() throws IOException {
            blk.close();
            idx.close();
            if (!committed) {
                Files.deleteIfExists(blkTmp);
                Files.deleteIfExists(idxTmp);
            }
        }
    }

    /**
     * Gathers a table's small positional writes (one per chunk, mostly in order) into 64 KiB writes: two system
     * calls per chunk were 32,000 of the 60,000 system calls of a 1 GiB install. A write that does not continue
     * the gathered range writes it out first, so the file ends up as if every write had gone straight to it. The
     * tables are read only after {@link Builder#commit}, which writes out what is gathered.
     */
    private static final class Appender {
        private final BlockTarget channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        private long start;

        Appender(BlockTarget channel) {
            this.channel = channel;
        }

        void put(ByteBuffer src, long at) throws IOException {
            if (buffer.position() > 0 && (at != start + buffer.position() || src.remaining() > buffer.remaining())) {
                flush();
            }
            if (src.remaining() > buffer.capacity()) {
                channel.write(src, at);
                return;
            }
            if (buffer.position() == 0) {
                start = at;
            }
            buffer.put(src);
        }

        void flush() throws IOException {
            buffer.flip();
            channel.write(buffer, start);
            buffer.clear();
        }
    }

    private static final byte[] ZERO_BLOCK_HASH = ChunkHasher.sha256().digest(new byte[ImageEntry.BLOCK_SIZE]);
}
