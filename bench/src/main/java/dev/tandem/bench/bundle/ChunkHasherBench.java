package dev.tandem.bench.bundle;

import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ImageEntry;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ChunkHasher#hash} over one 64 KiB chunk (16 block hashes and the chunk hash over them), and the zero
 * check {@code bundle create} runs on every chunk first.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChunkHasherBench {

    /** Bytes per operation, for bench/jmh.sh's MiB/s column. */
    public static final int BYTES = 64 * 1024;

    private final byte[] data = new byte[BYTES];
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
