package dev.tandem.bench;

import java.security.MessageDigest;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * The JDK's SHA-256 (SHA-NI intrinsics once C2 has compiled it) over one 64 KiB chunk: in one update, as the
 * whole-image hash does, and in 4 KiB updates with a digest each, as the chunk hash does (FORMAT.md §3.1). Every
 * byte of an install passes SHA-256 twice, so these bound the install's CPU time.
 */
public class Sha256Bench extends ChunkBench {

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
