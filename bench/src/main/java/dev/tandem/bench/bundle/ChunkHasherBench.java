package dev.tandem.bench.bundle;

import dev.tandem.bench.ChunkBench;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ImageEntry;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * {@link ChunkHasher#hash} over one 64 KiB chunk (16 block hashes and the chunk hash over them), and the zero
 * check {@code bundle create} runs on every chunk first.
 */
public class ChunkHasherBench extends ChunkBench {

    private final byte[] zeros = new byte[BYTES];
    private final byte[] blockHashes = new byte[BYTES / ImageEntry.BLOCK_SIZE * ChunkHasher.HASH_SIZE];
    private final byte[] chunkHash = new byte[ChunkHasher.HASH_SIZE];
    private final ChunkHasher hasher = new ChunkHasher();

    @Setup
    public void setUp() {
        new Random(2).nextBytes(data);
    }

    @Benchmark
    public byte[] hash64k() {
        hasher.hash(data, 0, BYTES, blockHashes, chunkHash, 0);
        return chunkHash;
    }

    @Benchmark
    public boolean isZero64k() {
        return ChunkHasher.isZero(zeros, 0, BYTES);
    }
}
