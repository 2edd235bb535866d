package dev.tandem.bench;

import java.security.MessageDigest;
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
 * The JDK's SHA-256 (SHA-NI intrinsics once C2 has compiled it) over one 64 KiB chunk: in one update, as the
 * whole-image hash does, and in 4 KiB updates with a digest each, as the chunk hash does (FORMAT.md §3.1). Every
 * byte of an install passes SHA-256 twice, so these bound the install's CPU time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class Sha256Bench {

    /** Bytes per operation, for bench/jmh.sh's MiB/s column. */
    public static final int BYTES = 64 * 1024;

    private final byte[] data = new byte[BYTES];
    private final byte[] out = new byte[32];
    private MessageDigest sha;

    @Setup
    public void setUp() throws Exception {
        new Random(1).nextBytes(data);
        sha = MessageDigest.getInstance("SHA-256");
    }

    @Benchmark
    public byte[] oneUpdate64k() throws Exception {
        sha.update(data, 0, BYTES);
        sha.digest(out, 0, 32);
        return out;
    }

    @Benchmark
    public byte[] blocks4k() throws Exception {
        for (int at = 0; at < BYTES; at += 4096) {
            sha.update(data, at, 4096);
            sha.digest(out, 0, 32);
        }
        return out;
    }
}
