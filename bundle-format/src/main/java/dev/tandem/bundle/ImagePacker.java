package dev.tandem.bundle;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cuts one image into chunks and produces its three entries as temporary files: the compressed chunk table,
 * the block hints and the stored chunks. The image is read once, sequentially; hashing the blocks and
 * compressing run on worker threads, and the whole-image SHA-256 on a thread of its own ({@link StreamDigest}),
 * while the calling thread reads and appends results in chunk order. Chunks go from thread to thread in groups
 * (one hand-over per group, not per chunk), and the stored chunks reach their file in 1 MiB writes. Memory is a
 * fixed pool of chunk buffers, whatever the image size.
 */
final class ImagePacker {

    /** Budget for chunk buffers in flight. */
    private static final long IN_FLIGHT_BYTES = 16L * 1024 * 1024;
    /** The table is random hashes; a higher level buys nothing and a fixed one keeps its window small. */
    private static final int INDEX_LEVEL = 3;

    record Packed(ImageEntry entry, Path idx, Path blk, Path dat) {
    }

    /** A chunk's buffers and, once a worker is done, its result. Pooled. */
    private static final class Work implements StreamDigest.Piece {
        final byte[] data;
        final byte[] compressed;
        final byte[] blockHashes;
        final byte[] chunkHash = new byte[ChunkHasher.HASH_SIZE];
        int length;
        ChunkKind kind;
        int storedLength;

        Work(int chunkSize, int compressBound) {
            data = new byte[chunkSize];
            compressed = new byte[compressBound];
            blockHashes = new byte[(chunkSize / ImageEntry.BLOCK_SIZE) * ChunkHasher.HASH_SIZE];
        }

        @Override
        public byte[] bytes() {
            return data;
        }

        @Override
        public int length() {
            return length;
        }
    }

    private final int chunkSize;
    private final int level;
    private final int threads;

    ImagePacker(int chunkSize, int level, int threads) {
        this.chunkSize = chunkSize;
        this.level = level;
        this.threads = Math.max(1, threads);
    }

    Packed pack(String name, String slotClass, Path image, Path tempDir) throws IOException {
        Path idx = Files.createTempFile(tempDir, ".tandem-" + name + "-", ".idx");
        Path blk = Files.createTempFile(tempDir, ".tandem-" + name + "-", ".blk");
        Path dat = Files.createTempFile(tempDir, ".tandem-" + name + "-", ".dat");
        boolean ok = false;
        List<ZstdCompressCtx> contexts = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bundle-pack-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<ChunkHasher> hashers = ThreadLocal.withInitial(ChunkHasher::new);
        ThreadLocal<ZstdCompressCtx> compressors = ThreadLocal.withInitial(() -> {
            ZstdCompressCtx c = new ZstdCompressCtx();
            c.setLevel(level);
            c.setContentSize(true);
            c.setChecksum(false);
            c.setDictID(false);
            contexts.add(c);
            return c;
        });
        StreamDigest imageSha = new StreamDigest("bundle-image-hash");
        try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ);
             OutputStream idxFile = new BufferedOutputStream(Files.newOutputStream(idx), 1 << 16);
             OutputStream blkOut = new BufferedOutputStream(Files.newOutputStream(blk), 1 << 16);
             OutputStream datOut = new BufferedOutputStream(Files.newOutputStream(dat), 1 << 20)) {
            // FileChannel.size() is right for block devices too, unlike Files.size().
            long size = in.size();
            long chunks = ImageEntry.chunkCount(size, chunkSize);
            int compressBound = (int) com.github.luben.zstd.Zstd.compressBound(chunkSize);
            int poolSize = (int) Math.max(threads * 2L + 1, Math.min(64, IN_FLIGHT_BYTES / chunkSize));
            int group = ChunkGroups.size(chunkSize, poolSize, threads);
            // Taken and given back by this thread only.
            ArrayDeque<Work> free = new ArrayDeque<>(poolSize);
            for (int k = 0; k < poolSize; k++) {
                free.add(new Work(chunkSize, compressBound));
            }
            MessageDigest indexSha = ChunkHasher.sha256();
            ZstdOutputStreamNoFinalizer idxOut = new ZstdOutputStreamNoFinalizer(idxFile);
            idxOut.setLevel(INDEX_LEVEL);
            ByteBuffer record = ByteBuffer.allocate(ChunkIndex.RECORD_SIZE);
            ByteBuffer header = ByteBuffer.allocate(ChunkIndex.HEADER_SIZE);
            ChunkIndex.putHeader(header, chunkSize, chunks);
            writeTable(header.array(), idxOut, indexSha);
            byte[] zeroHint = zeroBlockHint();
            int hintsPerChunk = chunkSize / ImageEntry.BLOCK_SIZE;
            byte[] hints = new byte[8 * hintsPerChunk];

            ArrayDeque<Future<List<Work>>> inFlight = new ArrayDeque<>();
            long storedOffset = 0;
            long next = 0;
            long appended = 0;
            while (next < chunks || !inFlight.isEmpty()) {
                int n = (int) Math.min(group, chunks - next);
                if (n > 0 && free.size() >= n) {
                    List<Work> g = new ArrayList<>(n);
                    for (int k = 0; k < n; k++) {
                        Work w = free.poll();
                        long start = next * chunkSize;
                        w.length = (int) Math.min(chunkSize, size - start);
                        readFully(in, w.data, w.length, start, image);
                        g.add(w);
                        next++;
                    }
                    imageSha.offer(g);
                    inFlight.add(pool.submit(() -> {
                        ChunkHasher h = hashers.get();
                        ZstdCompressCtx z = compressors.get();
                        for (Work w : g) {
                            process(w, h, z);
                        }
                        return g;
                    }));
                    continue;
                }
                List<Work> doneGroup = inFlight.removeFirst().get();
                for (Work done : doneGroup) {
                    record.clear();
                    if (done.kind == ChunkKind.ZERO) {
                        ChunkIndex.putRecord(record, done.chunkHash, 0, 0, ChunkKind.ZERO);
                    } else {
                        ChunkIndex.putRecord(record, done.chunkHash, storedOffset, done.storedLength, done.kind);
                        datOut.write(done.kind == ChunkKind.ZSTD ? done.compressed : done.data, 0, done.storedLength);
                        storedOffset += done.storedLength;
                        int blocks = ChunkHasher.blockCount(done.length);
                        for (int b = 0; b < hintsPerChunk; b++) {
                            if (b < blocks) {
                                System.arraycopy(done.blockHashes, b * ChunkHasher.HASH_SIZE, hints, b * 8, 8);
                            } else {
                                System.arraycopy(zeroHint, 0, hints, b * 8, 8);
                            }
                        }
                        blkOut.write(hints);
                    }
                    writeTable(record.array(), idxOut, indexSha);
                }
                // The buffers go back to the pool once the image hash has passed them too.
                appended += doneGroup.size();
                imageSha.awaitHashed(appended);
                free.addAll(doneGroup);
            }
            idxOut.close();
            datOut.flush();
            ImageEntry entry = new ImageEntry(name, slotClass, size, imageSha.finish(),
                    chunkSize, ImageEntry.BLOCK_SIZE, "zstd", HexFormat.of().formatHex(indexSha.digest()),
                    ImageEntry.indexSize(chunks), chunks);
            ok = true;
            return new Packed(entry, idx, blk, dat);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while packing " + image, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("packing " + image + " failed: " + cause, cause);
        } finally {
            pool.shutdownNow();
            imageSha.stop();
            contexts.forEach(ZstdCompressCtx::close);
            if (!ok) {
                Files.deleteIfExists(idx);
                Files.deleteIfExists(blk);
                Files.deleteIfExists(dat);
            }
        }
    }

    /** Worker: zero check, block and chunk hashes, compression (kept only when it saves bytes). */
    private static Work process(Work w, ChunkHasher hasher, ZstdCompressCtx zstd) {
        if (ChunkHasher.isZero(w.data, 0, w.length)) {
            w.kind = ChunkKind.ZERO;
            w.storedLength = 0;
            System.arraycopy(ChunkHasher.zeroChunkHash(w.length), 0, w.chunkHash, 0, ChunkHasher.HASH_SIZE);
            return w;
        }
        hasher.hash(w.data, 0, w.length, w.blockHashes, w.chunkHash, 0);
        int n = zstd.compressByteArray(w.compressed, 0, w.compressed.length, w.data, 0, w.length);
        if (n > 0 && n < w.length) {
            w.kind = ChunkKind.ZSTD;
            w.storedLength = n;
        } else {
            w.kind = ChunkKind.RAW;
            w.storedLength = w.length;
        }
        return w;
    }

    private static void writeTable(byte[] bytes, OutputStream out, MessageDigest sha) throws IOException {
        sha.update(bytes);
        out.write(bytes);
    }

    private static byte[] zeroBlockHint() {
        return ChunkHasher.sha256().digest(new byte[ImageEntry.BLOCK_SIZE]);
    }

    private static void readFully(FileChannel in, byte[] dst, int len, long position, Path image) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(dst, 0, len);
        long pos = position;
        while (buf.hasRemaining()) {
            int n = in.read(buf, pos);
            if (n < 0) {
                throw new IOException(image + " shrank while it was being read");
            }
            pos += n;
        }
    }
}
