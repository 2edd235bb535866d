package dev.tandem.bundle;

import dev.tandem.bundle.fuzz.ByteArraySource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tandem.pki.SignatureException;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A fuzz-style property over the sample bundle: after random byte changes, a cut or appended bytes, reading
 * either fails with a {@link VerificationException} or {@link SignatureException} (never anything else, so
 * untrusted input cannot crash a caller), or it succeeds and yields exactly the original images.
 */
class RandomlyCorruptedBundleTest {

    record Change(int position, int value) {
    }

    @Provide
    Arbitrary<List<Change>> changes() {
        int length = SampleBundle.bytes().length;
        return Combinators.combine(Arbitraries.integers().between(0, length - 1),
                        Arbitraries.integers().between(0, 255)).as(Change::new).list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 400)
    void changedBytesAreRefusedOrChangeNothing(@ForAll("changes") List<Change> changes) {
        byte[] b = SampleBundle.bytes();
        for (Change c : changes) {
            b[c.position()] = (byte) c.value();
        }
        check(b);
    }

    @Property(tries = 100)
    void cutAndExtendedBundlesAreRefusedOrChangeNothing(@ForAll("cuts") int cut, @ForAll("tails") byte[] tail) {
        byte[] b = SampleBundle.bytes();
        check(TarBytes.concat(TarBytes.slice(b, 0, Math.min(cut, b.length)), tail));
    }

    @Provide
    Arbitrary<Integer> cuts() {
        return Arbitraries.integers().between(0, SampleBundle.bytes().length);
    }

    @Provide
    Arbitrary<byte[]> tails() {
        return Arbitraries.oneOf(Arbitraries.just(new byte[0]), Arbitraries.bytes().array(byte[].class).ofMaxSize(1100),
                Arbitraries.integers().between(0, 40).map(n -> new byte[n * 512]));
    }

    private static void check(byte[] bundle) {
        Throwable t = catchThrowable(() -> SampleBundle.verify(bundle));
        if (t != null) {
            assertThat(t).isInstanceOfAny(VerificationException.class, SignatureException.class);
            SampleBundle.assertOneLine(t);
            return;
        }
        Map<String, byte[]> images = decode(bundle);
        assertThat(images.get("rootfs")).isEqualTo(SampleBundle.ROOTFS);
        assertThat(images.get("boot")).isEqualTo(SampleBundle.BOOT);
    }

    private static Map<String, byte[]> decode(byte[] bundle) {
        try {
            return TestBundles.decodeImages(new ByteArraySource(bundle, Integer.MAX_VALUE), TestBundles.verifier());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
