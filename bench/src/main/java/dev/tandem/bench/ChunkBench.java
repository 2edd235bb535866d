package dev.tandem.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fixture every micro-benchmark here shares: JMH's settings (average time per operation, short iterations on
 * one fork, as bench/jmh.sh describes; JMH reads them from the superclass, and a subclass may override one) and
 * one 64 KiB chunk of data, the unit of work on the install's hot path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public abstract class ChunkBench {

    /** Bytes per operation, for bench/jmh.sh's MiB/s column. */
    public static final int BYTES = 64 * 1024;

    /** The chunk the benchmark works on; each benchmark fills it in its own {@code @Setup}. */
    protected final byte[] data = new byte[BYTES];
}
