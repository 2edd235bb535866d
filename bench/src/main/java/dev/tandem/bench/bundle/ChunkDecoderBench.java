package dev.tandem.bench.bundle;

import dev.tandem.bench.ChunkBench;
import dev.tandem.bundle.ChunkDecoder;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ChunkKind;
import dev.tandem.bundle.ImageEntry;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-chunk work on both sides of a bundle, for one 64 KiB chunk of log-like text (zstd -3 makes it about 3x
 * smaller): {@link ChunkDecoder#decode} as the installer runs it (frame checks, decompression, chunk hash), the
 * bare zstd decompression inside it, and the level-3 compression {@code bundle create} runs.
 */
public class ChunkDecoderBench extends ChunkBench {

    private final byte[] out = new byte[BYTES];
    private final byte[] blockHashes = new byte[BYTES / ImageEntry.BLOCK_SIZE * ChunkHasher.HASH_SIZE];
    private byte[] stored;
    private byte[] compressBuffer;
    private ChunkIndex index;
    private ChunkDecoder decoder;
    private ZstdDecompressCtx zstdIn;
    private ZstdCompressCtx zstdOut;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(3);
        String[] words = {"kernel", "systemd", "eth0", "started", "slot", "rootfs", "update", "tandem", "chunk"};
        StringBuilder text = new StringBuilder();
        while (text.length() < BYTES) {
            text.append(1700000000 + r.nextInt(1000)).append(' ').append(words[r.nextInt(words.length)])
                    .append('[').append(r.nextInt(30000)).append("]: ").append(words[r.nextInt(words.length)])
                    .append(' ').append(r.nextInt(100000)).append('\n');
        }
        System.arraycopy(text.toString().getBytes(StandardCharsets.US_ASCII), 0, data, 0, BYTES);
        // As ImagePacker sets it up.
        zstdOut = new ZstdCompressCtx();
        zstdOut.setLevel(3);
        zstdOut.setContentSize(true);
        zstdOut.setChecksum(false);
        zstdOut.setDictID(false);
        compressBuffer = new byte[(int) Zstd.compressBound(BYTES)];
        int n = zstdOut.compressByteArray(compressBuffer, 0, compressBuffer.length, data, 0, BYTES);
        stored = Arrays.copyOf(compressBuffer, n);

        byte[] hash = new byte[ChunkHasher.HASH_SIZE];
        new ChunkHasher().hash(data, 0, BYTES, blockHashes, hash, 0);
        ByteBuffer table = ByteBuffer.allocate(ChunkIndex.HEADER_SIZE + ChunkIndex.RECORD_SIZE);
        ChunkIndex.putHeader(table, BYTES, 1);
        ChunkIndex.putRecord(table, hash, 0, n, ChunkKind.ZSTD);
        String unused = "0".repeat(64);
        ImageEntry image = new ImageEntry("rootfs", "rootfs", BYTES, unused, BYTES, ImageEntry.BLOCK_SIZE, "zstd",
                unused, ImageEntry.indexSize(1), 1);
        index = ChunkIndex.validate(image, table.flip());
        decoder = new ChunkDecoder();
        zstdIn = new ZstdDecompressCtx();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        decoder.close();
        zstdIn.close();
        zstdOut.close();
    }

    @Benchmark
    public int decodeAndVerify64k() {
        return decoder.decode(index, 0, stored, 0, stored.length, out, blockHashes);
    }

    @Benchmark
    public int zstdDecompress64k() {
        return zstdIn.decompressByteArray(out, 0, BYTES, stored, 0, stored.length);
    }

    @Benchmark
    public int zstdCompressLevel3of64k() {
        return zstdOut.compressByteArray(compressBuffer, 0, compressBuffer.length, data, 0, BYTES);
    }
}
