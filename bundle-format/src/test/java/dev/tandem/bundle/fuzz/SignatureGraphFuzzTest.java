package dev.tandem.bundle.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every variant of {@link CertificateGraphMutations} and {@link ForgedSignatureMutations}, three random draws
 * each, judged like the fuzzer's cases: each must be refused with a one-line signature or verification error,
 * within {@link #BOUND} (the fuzzer draws these families at random too, with its own 20 s limit per case).
 */
class SignatureGraphFuzzTest {

    /** Refusals take milliseconds; a search through orderings of a loop took hours. */
    private static final Duration BOUND = Duration.ofSeconds(5);

    static Path dir;
    static SeedBundle seed;
    static MutantJudge judge;

    @BeforeAll
    static void seed() throws IOException {
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "signature-fuzz");
        seed = SeedBundle.create(dir, "fuzz-device", 3 * SeedBundle.CHUNK_SIZE + 77);
        judge = new MutantJudge(seed, dir);
    }

    @AfterAll
    static void clean() throws IOException {
        judge.close();
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyHostileCertificateGraphIsRefusedQuickly() {
        return cases(CertificateGraphMutations.VARIANTS, (r, v) -> CertificateGraphMutations.graph(seed, r, v));
    }

    @TestFactory
    Stream<DynamicTest> everyForgedSignatureUnderTheTrustedCertificateIsRefused() {
        return cases(ForgedSignatureMutations.VARIANTS, (r, v) -> ForgedSignatureMutations.forged(seed, r, v));
    }

    private static Stream<DynamicTest> cases(List<String> variants,
                                             java.util.function.BiFunction<Random, Integer, Mutant> make) {
        List<DynamicTest> tests = new ArrayList<>();
        for (int v = 0; v < variants.size(); v++) {
            for (long draw = 1; draw <= 3; draw++) {
                int variant = v;
                long randomSeed = 1000L * v + draw;
                tests.add(DynamicTest.dynamicTest(variants.get(v) + " #" + draw, () -> {
                    Mutant m = make.apply(new Random(randomSeed), variant);
                    MutantJudge.Judgement j = assertTimeoutPreemptively(BOUND, () -> judge.judge(m, 4096));
                    assertThat(j.verdict()).as("%s: %s", m, j.detail()).isEqualTo(MutantJudge.Verdict.REFUSED);
                }));
            }
        }
        return tests.stream();
    }
}
