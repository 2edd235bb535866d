package dev.tandem.install.hostile;

import dev.tandem.bundle.fuzz.ByteArraySource;
import dev.tandem.bundle.fuzz.FuzzCases;
import dev.tandem.bundle.fuzz.FuzzStats;
import dev.tandem.bundle.fuzz.Mutant;
import dev.tandem.bundle.fuzz.MutantJudge;
import dev.tandem.bundle.fuzz.MutationFamily;
import dev.tandem.bundle.fuzz.SeedBundle;
import dev.tandem.install.crash.ScratchDisk;
import dev.tandem.install.crash.SimulatedDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.FixedSeedMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The bundle fuzzer's mutants, installed: every mutant of a valid one-image bundle goes through the whole
 * installer (policy, journal and resume, local reuse from slot A, the chunk pipeline) on one simulated device
 * whose state carries over from case to case, as a device's would (or, per case, with the journal and slot B's
 * saved tables forgotten, and local reuse off, so that every chunk is read from the mutant). See
 * {@link InstallJudge} for the invariants.
 *
 * <p>{@code -Dfuzz.cases=N} sets the number of cases (default 200); {@code -Dfuzz.keepGoing=true} records
 * problems instead of stopping at the first, and fails at the end if there were any.
 */
class HostileBundleInstallTest {

    static final String COMPATIBLE = "hostile-device";

    static Path dir;
    static SeedBundle seed;
    static byte[] imageA;
    static InstallJudge judge;
    static FuzzStats stats;

    @BeforeContainer
    static void device() throws IOException {
        dir = ScratchDisk.directory("hostile");
        seed = SeedBundle.create(dir, COMPATIBLE, 13 * SeedBundle.CHUNK_SIZE + 1234);
        // Slot A shares some chunks with the new image: the local-reuse route is taken, and verified, too.
        imageA = seed.image("rootfs").content().clone();
        for (int i = 0; i < imageA.length; i += 3 * SeedBundle.CHUNK_SIZE) {
            imageA[i] ^= 0x55;
        }
        SimulatedDevice device = SimulatedDevice.create(dir.resolve("device"), COMPATIBLE, seed.keyringPem(), imageA,
                1 << 20, "");
        judge = new InstallJudge(device, seed.image("rootfs").content(), imageA);
        stats = new FuzzStats("installer-level fuzz");
    }

    @AfterContainer
    static void report() throws IOException {
        String report = stats.report();
        System.out.println(report);
        Files.writeString(Path.of("target", "hostile-install-report.txt"), report);
        judge.close();
        SimulatedDevice.at(dir).delete();
        stats.assertNoProblems(); // in every mode: -Dfuzz.keepGoing=true only records them
    }

    @Example
    void theSeedInstalls() throws IOException {
        MutantJudge.Judgement j = judge.install(() -> new ByteArraySource(seed.bytes, 1 << 20), true,
                Set.of(seed.bundleId), InstallJudge.signedTable(seed.bytes, seed.manifestVerifier(), dir));
        if (j.verdict() != MutantJudge.Verdict.ACCEPTED) {
            throw new AssertionError("the unmutated seed: " + j);
        }
    }

    @Property(tries = 200, seed = "20261127", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE,
            afterFailure = AfterFailureMode.RANDOM_SEED, whenFixedSeed = FixedSeedMode.ALLOW)
    @AddLifecycleHook(FuzzCases.class)
    void noUnverifiedByteReachesTheTarget(@ForAll("families") MutationFamily family, @ForAll long mutation,
                                          @ForAll("readSizes") int maxRead, @ForAll InstallJudge.Target target)
            throws IOException {
        Mutant m = family.apply(seed, mutation);
        MutantJudge.Judgement j = judge.install(() -> new ByteArraySource(m.bytes(), maxRead),
                m.expect() == Mutant.Expect.EITHER, new HashSet<>(List.of(seed.bundleId, m.signedBundleId())),
                InstallJudge.signedTable(m.bytes(), seed.manifestVerifier(), dir), target);
        if (stats.record(m, j) && !Boolean.getBoolean("fuzz.keepGoing")) {
            throw new AssertionError(j.verdict() + " " + m + ": " + j.detail());
        }
    }

    @Provide
    Arbitrary<MutationFamily> families() {
        return Arbitraries.frequency(Arrays.stream(MutationFamily.values())
                .map(f -> Tuple.of(f.weight(), f)).toArray(Tuple.Tuple2[]::new));
    }

    @Provide
    Arbitrary<Integer> readSizes() {
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.integers().between(1, 64)),
                Tuple.of(9, Arbitraries.integers().between(65, 1 << 20)));
    }
}
