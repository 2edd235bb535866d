package dev.tandem.bench.install;

import dev.tandem.bench.ChunkBench;
import dev.tandem.install.LongLongMap;
import dev.tandem.install.SavedTables;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * What the reuse planner does per chunk of a new image: look its hash up among the local slot's saved chunk hashes
 * ({@link LongLongMap} keyed by the hash's first 8 bytes), then compare the whole hash with the memory-mapped saved
 * table ({@link SavedTables.SavedChunks}). {@code chunks} is the saved table's size: 16,384 chunks is 1 GiB of
 * 64 KiB chunks, 131,072 is 8 GiB. Hits and misses alternate, as in an update that changed half of the chunks.
 */
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IndexLookupBench extends ChunkBench {

    @Param({"16384", "131072"})
    public int chunks;

    private LongLongMap map;
    private SavedTables.SavedChunks saved;
    private long[] probes;
    private byte[][] probeHashes;
    private final byte[] candidate = new byte[32];
    private int next;

    @Setup
    public void setUp() {
        Random r = new Random(4);
        byte[] all = new byte[32 * chunks];
        r.nextBytes(all);
        ByteBuffer hashes = ByteBuffer.allocateDirect(all.length).put(all).flip();
        saved = new SavedTables.SavedChunks(64 * 1024, 64L * 1024 * chunks, chunks, hashes);
        map = new LongLongMap(chunks);
        for (int j = 0; j < chunks; j++) {
            map.putIfAbsent(saved.key(j), j);
        }
        probes = new long[4096];
        probeHashes = new byte[probes.length][32];
        for (int k = 0; k < probes.length; k++) {
            if (k % 2 == 0) {
                System.arraycopy(all, 32 * r.nextInt(chunks), probeHashes[k], 0, 32);
            } else {
                r.nextBytes(probeHashes[k]);
            }
            probes[k] = ByteBuffer.wrap(probeHashes[k]).getLong();
        }
    }

    @Benchmark
    public long mapGet() {
        int k = next++ & (probes.length - 1);
        return map.get(probes[k], -1);
    }

    @Benchmark
    public boolean lookupAndCompare() {
        int k = next++ & (probes.length - 1);
        long j = map.get(probes[k], -1);
        if (j < 0) {
            return false;
        }
        saved.hashes().get(Math.toIntExact(32 * j), candidate);
        return Arrays.equals(candidate, probeHashes[k]);
    }
}
