package dev.tandem.slot.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SemVerTest {

    @Test
    void theSpecificationsPrecedenceExampleIsInOrder() {
        List<String> ordered = List.of("1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1");
        for (int i = 0; i + 1 < ordered.size(); i++) {
            assertThat(SemVer.parse(ordered.get(i))).as(ordered.get(i) + " < " + ordered.get(i + 1))
                    .isLessThan(SemVer.parse(ordered.get(i + 1)));
        }
    }

    @Test
    void numericPartsCompareAsNumbersNotText() {
        assertThat(SemVer.parse("1.10.0")).isGreaterThan(SemVer.parse("1.9.0"));
        assertThat(SemVer.parse("1.0.0-rc.10")).isGreaterThan(SemVer.parse("1.0.0-rc.9"));
        assertThat(SemVer.parse("1.0.0-99999999999999999999999")).isGreaterThan(SemVer.parse("1.0.0-9999"));
    }

    @Test
    void buildMetadataIsIgnoredByPrecedence() {
        assertThat(SemVer.parse("1.0.0+20130313144700")).isEqualByComparingTo(SemVer.parse("1.0.0+exp.sha.5114f85"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+", "1.0.0-a..b", "v1.0.0", " 1.0.0",
            "1.0.0-α", "99999999999999999999.0.0"})
    void malformedVersionsAreRefused(String text) {
        assertThatThrownBy(() -> SemVer.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property
    void printingAndParsingGiveTheSameVersion(@ForAll("versions") SemVer v) {
        assertThat(SemVer.parse(v.toString())).isEqualTo(v);
    }

    @Property
    void precedenceIsAntisymmetric(@ForAll("versions") SemVer a, @ForAll("versions") SemVer b) {
        assertThat(Integer.signum(a.compareTo(b))).isEqualTo(-Integer.signum(b.compareTo(a)));
    }

    @Property
    void precedenceIsTransitive(@ForAll("versions") SemVer a, @ForAll("versions") SemVer b,
                                @ForAll("versions") SemVer c) {
        if (a.compareTo(b) <= 0 && b.compareTo(c) <= 0) {
            assertThat(a.compareTo(c)).isLessThanOrEqualTo(0);
        }
    }

    @Property
    void aPreReleaseIsBelowItsRelease(@ForAll("versions") SemVer v) {
        SemVer release = new SemVer(v.major(), v.minor(), v.patch(), List.of(), null);
        if (!v.preRelease().isEmpty()) {
            assertThat(v).isLessThan(release);
        }
    }

    @Property
    void buildMetadataNeverChangesPrecedence(@ForAll("versions") SemVer v, @ForAll("versions") SemVer w) {
        SemVer withBuild = new SemVer(v.major(), v.minor(), v.patch(), v.preRelease(), "build.7");
        assertThat(Integer.signum(withBuild.compareTo(w))).isEqualTo(Integer.signum(v.compareTo(w)));
    }

    @Property
    void raisingAnyCoreNumberRaisesPrecedence(@ForAll("versions") SemVer v) {
        assertThat(new SemVer(v.major() + 1, 0, 0, List.of("a"), null)).isGreaterThan(v);
        assertThat(new SemVer(v.major(), v.minor() + 1, 0, List.of("a"), null)).isGreaterThan(v);
        assertThat(new SemVer(v.major(), v.minor(), v.patch() + 1, List.of("a"), null)).isGreaterThan(v);
    }

    @Provide
    Arbitrary<SemVer> versions() {
        Arbitrary<Long> number = Arbitraries.longs().between(0, 20);
        Arbitrary<String> identifier = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 30).map(String::valueOf),
                Arbitraries.strings().withChars("abcXY-").ofMinLength(1).ofMaxLength(3),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(2).map(s -> s + "x"));
        Arbitrary<List<String>> pre = identifier.list().ofMaxSize(3);
        Arbitrary<String> build = Arbitraries.strings().withChars("ab01.").ofMinLength(1).ofMaxLength(4)
                .filter(s -> !s.startsWith(".") && !s.endsWith(".") && !s.contains("..")).injectNull(0.5);
        return Combinators.combine(number, number, number, pre, build).as(SemVer::new);
    }
}
