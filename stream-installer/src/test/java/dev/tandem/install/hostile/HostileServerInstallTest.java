package dev.tandem.install.hostile;

import dev.tandem.bundle.fuzz.FuzzCases;
import dev.tandem.bundle.fuzz.FuzzStats;
import dev.tandem.bundle.fuzz.Mutant;
import dev.tandem.bundle.fuzz.MutantJudge;
import dev.tandem.bundle.fuzz.SeedBundle;
import dev.tandem.install.crash.ScratchDisk;
import dev.tandem.install.crash.SimulatedDevice;
import dev.tandem.install.http.Fault;
import dev.tandem.install.http.FaultInjectingProxy;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.install.http.HttpSource;
import dev.tandem.serve.StaticFileServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.FixedSeedMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A valid bundle installed over HTTP through a {@link FaultInjectingProxy} that lies: wrong Content-Length,
 * Content-Range and totals, 200 instead of 206, wrong multipart boundaries, endless bodies, short files,
 * flipped bytes, a file that changes, dropped and reset connections, stalls, error statuses. Each install
 * ends byte-identical or fails cleanly (typed, one line), and never writes a byte that was not verified.
 *
 * <p>{@code -Dfuzz.cases=N} sets the number of cases (default 60).
 */
class HostileServerInstallTest {

    static final String COMPATIBLE = "hostile-server";

    static Path dir;
    static SeedBundle seed;
    static InstallJudge judge;
    static StaticFileServer origin;
    static InetSocketAddress originAddress;
    static FuzzStats stats;
    static dev.tandem.bundle.ChunkIndex signed;

    @BeforeContainer
    static void serve() throws IOException {
        dir = ScratchDisk.directory("hostile-server");
        seed = SeedBundle.create(dir, COMPATIBLE, 13 * SeedBundle.CHUNK_SIZE + 1234);
        Path served = Files.createDirectories(dir.resolve("www"));
        Files.write(served.resolve("b.tandem"), seed.bytes);
        byte[] imageA = new byte[4096];
        SimulatedDevice device = SimulatedDevice.create(dir.resolve("device"), COMPATIBLE, seed.keyringPem(), imageA,
                1 << 20, "");
        judge = new InstallJudge(device, seed.image("rootfs").content(), imageA);
        origin = new StaticFileServer(served);
        originAddress = new InetSocketAddress("127.0.0.1", origin.start(new InetSocketAddress("127.0.0.1", 0)));
        stats = new FuzzStats("hostile-server installs");
        signed = InstallJudge.signedTable(seed.bytes, seed.manifestVerifier(), dir);
    }

    @AfterContainer
    static void report() throws IOException {
        String report = stats.report();
        System.out.println(report);
        Files.writeString(Path.of("target", "hostile-server-report.txt"), report);
        origin.close();
        judge.close();
        SimulatedDevice.at(dir).delete();
        stats.assertNoProblems(); // in every mode: -Dfuzz.keepGoing=true only records them
    }

    /** A lie, chosen and parameterised from {@code seed}. */
    static Fault fault(long seedValue, StringBuilder what) {
        Random r = new Random(seedValue);
        long size = seed.bytes.length;
        long at = (long) (r.nextDouble() * size);
        long delta = (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(r.nextBoolean() ? 16 : 70_000));
        Fault f = switch (r.nextInt(15)) {
            case 0 -> Fault.lieContentLength(delta);
            case 1 -> Fault.lieContentRange(delta);
            case 2 -> Fault.lieTotal(delta);
            case 3 -> Fault.ignoreRange();
            case 4 -> Fault.wrongBoundary();
            case 5 -> Fault.endlessBody();
            case 6 -> Fault.truncateAt(at);
            case 7 -> Fault.flipByteAt(at);
            case 8 -> Fault.changeFile();
            case 9 -> Fault.cutAfter(at);
            case 10 -> Fault.resetAfter(at);
            case 11 -> Fault.stallAfter(at, Duration.ofMillis(50 + r.nextInt(300)));
            case 12 -> Fault.status(new int[] {500, 503, 404, 416, 206, 304, 200}[r.nextInt(7)]);
            case 13 -> Fault.redirect(new int[] {301, 302, 307, 308}[r.nextInt(4)], "/b.tandem");
            default -> Fault.lieContentRange(-at);
        };
        int from = 1 + r.nextInt(4);
        int times = r.nextBoolean() ? 1 + r.nextInt(3) : Integer.MAX_VALUE;
        f.fromRequest(from).times(times);
        what.append(f).append(" from request ").append(from)
                .append(times == Integer.MAX_VALUE ? ", always" : ", " + times + " time(s)");
        return f;
    }

    @Property(tries = 60, seed = "20261128", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE,
            afterFailure = AfterFailureMode.RANDOM_SEED, whenFixedSeed = FixedSeedMode.ALLOW)
    @AddLifecycleHook(FuzzCases.class)
    void aLyingServerNeverGetsAnUnverifiedByteOntoTheTarget(@ForAll long faultSeed, @ForAll InstallJudge.Target target)
            throws IOException {
        StringBuilder what = new StringBuilder();
        Fault fault = fault(faultSeed, what);
        HttpOptions options = HttpOptions.defaults().withRetries(3, Duration.ofMillis(5), Duration.ofMillis(20))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2));
        MutantJudge.Judgement j;
        try (FaultInjectingProxy proxy = FaultInjectingProxy.start(originAddress, fault)) {
            j = judge.install(() -> HttpSource.open(proxy.url("b.tandem"), options), true, Set.of(seed.bundleId),
                    signed, target);
        }
        Mutant m = new Mutant("http " + fault.toString().replaceAll("\\(.*", ""), what + ", " + target, new byte[0],
                Mutant.Expect.EITHER, seed.bundleId);
        if (stats.record(m, j) && !Boolean.getBoolean("fuzz.keepGoing")) {
            throw new AssertionError(j.verdict() + " " + m + ": " + j.detail());
        }
    }
}
