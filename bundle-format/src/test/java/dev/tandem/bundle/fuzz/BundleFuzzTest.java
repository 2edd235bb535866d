package dev.tandem.bundle.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.BundleVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The parser fuzzer: structure-aware mutants of a valid two-image bundle, each verified from memory with short
 * reads of a random size, under a per-case time limit and the module's small test heap (-Xmx256m, pom.xml).
 * Every mutant must be refused with a typed one-line error, or verify harmlessly (see {@link MutantJudge}).
 *
 * <p>{@code -Dfuzz.cases=N} sets the number of cases (default 2,000); {@code -Dfuzz.keepGoing=true} records
 * problems instead of stopping at the first, for a full report, and fails at the end if there were any.
 * The seed is fixed: a run is reproducible.
 */
class BundleFuzzTest {

    static Path dir;
    static SeedBundle seed;
    static MutantJudge judge;
    static FuzzStats stats;

    @BeforeContainer
    static void seed() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "bundle-fuzz");
        // Image sizes that are no multiple of the chunk size: short last chunks.
        seed = SeedBundle.create(dir, "fuzz-device", 13 * SeedBundle.CHUNK_SIZE + 1234, 3 * SeedBundle.CHUNK_SIZE + 77);
        judge = new MutantJudge(seed, dir);
        stats = new FuzzStats("bundle-format fuzz");
    }

    @AfterContainer
    static void report() throws IOException {
        String report = stats.report();
        System.out.println(report);
        Files.writeString(Path.of("target", "fuzz-report.txt"), report);
        judge.close();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        stats.assertNoProblems(); // in every mode: -Dfuzz.keepGoing=true only records them
    }

    @Example
    void theSeedVerifies() throws IOException {
        BundleVerifier.Report r = BundleVerifier.verifyAll(new ByteArraySource(seed.bytes, 1000),
                seed.manifestVerifier(), dir);
        assertThat(r.images()).hasSize(2);
        assertThat(r.images().get(0).zeroChunks()).isPositive();
        assertThat(r.images().get(0).rawChunks()).isPositive();
        assertThat(r.images().get(0).zstdChunks()).isPositive();
    }

    @Property(tries = 2000, seed = "20261126", shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE,
            afterFailure = AfterFailureMode.RANDOM_SEED, whenFixedSeed = FixedSeedMode.ALLOW)
    @AddLifecycleHook(FuzzCases.class)
    void everyMutantIsRefusedCleanlyOrIsHarmless(@ForAll("families") MutationFamily family, @ForAll long mutation,
                                                @ForAll("readSizes") int maxRead) {
        Mutant m = family.apply(seed, mutation);
        MutantJudge.Judgement j = judge.judge(m, maxRead);
        if (stats.record(m, j) && !Boolean.getBoolean("fuzz.keepGoing")) {
            throw new AssertionError(j.verdict() + " " + m + ": " + j.detail());
        }
    }

    @Provide
    Arbitrary<MutationFamily> families() {
        return Arbitraries.frequency(java.util.Arrays.stream(MutationFamily.values())
                .map(f -> Tuple.of(f.weight(), f)).toArray(Tuple.Tuple2[]::new));
    }

    @Provide
    Arbitrary<Integer> readSizes() {
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.integers().between(1, 16)),
                Tuple.of(3, Arbitraries.integers().between(17, 4096)),
                Tuple.of(6, Arbitraries.integers().between(4097, 1 << 20)));
    }
}
