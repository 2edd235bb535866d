package dev.tandem.bundle;

import dev.tandem.bundle.fuzz.ByteArraySource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tandem.pki.SignatureException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One small signed bundle shared by the tamper tests, and the helpers they use to break copies of it.
 * Two images at 16 KiB chunks: {@code rootfs} has a raw, a zero, a zstd chunk and a short mixed tail, so every
 * chunk kind and a padded {@code .blk} appear; {@code boot} is one short chunk.
 */
final class SampleBundle {

    static final int CHUNK = 16 * 1024;
    static final byte[] ROOTFS = TestImages.concat(TestImages.random(CHUNK, 11), new byte[CHUNK],
            TestImages.compressible(CHUNK, 12), TestImages.mixed(CHUNK + 3616, 13));
    static final byte[] BOOT = TestImages.concat(TestImages.compressible(5000, 14), TestImages.random(3000, 15));

    /** Entry names in bundle order. */
    static final String[] NAMES = {"tandem-bundle", "manifest.json", "manifest.json.p7s", "images/rootfs.idx",
        "images/rootfs.blk", "images/rootfs.dat", "images/boot.idx", "images/boot.blk", "images/boot.dat"};

    private static final class Holder {
        static final byte[] BYTES = create();
    }

    private SampleBundle() {
    }

    /** A fresh copy of the bundle's bytes. */
    static byte[] bytes() {
        return Holder.BYTES.clone();
    }

    static TarBytes.Layout layout() {
        return TarBytes.layout(Holder.BYTES);
    }

    static TarBytes.Entry entry(String name) {
        return layout().entry(name);
    }

    /** A copy with the byte at {@code at} XORed with {@code mask}. */
    static byte[] flip(byte[] bundle, long at, int mask) {
        byte[] b = bundle.clone();
        b[(int) at] ^= (byte) mask;
        return b;
    }

    static byte[] flip(long at) {
        return flip(Holder.BYTES, at, 0x01);
    }

    /** What {@link BundleVerifier#verifyAll} throws for these bytes, or null when it accepts them. */
    static Throwable verifyError(byte[] bundle) {
        return catchThrowable(() -> verify(bundle));
    }

    static BundleVerifier.Report verify(byte[] bundle) throws IOException {
        return BundleVerifier.verifyAll(new ByteArraySource(bundle, Integer.MAX_VALUE), TestBundles.verifier(), null);
    }

    /** Asserts that the bundle is refused with a one-line {@link VerificationException} of this kind. */
    static VerificationException refused(byte[] bundle, VerificationException.Kind kind) {
        Throwable t = verifyError(bundle);
        assertThat(t).isInstanceOf(VerificationException.class);
        VerificationException e = (VerificationException) t;
        assertThat(e.kind()).as("kind of: %s", e.getMessage()).isEqualTo(kind);
        assertOneLine(e);
        return e;
    }

    /** Asserts that the bundle is refused with a one-line {@link SignatureException}. */
    static SignatureException refusedSignature(byte[] bundle) {
        Throwable t = verifyError(bundle);
        assertThat(t).isInstanceOf(SignatureException.class);
        assertOneLine(t);
        return (SignatureException) t;
    }

    static void assertOneLine(Throwable t) {
        assertThat(t.getMessage()).isNotBlank().doesNotContain("\n").doesNotContain("\r");
    }

    /**
     * The bundle with its manifest replaced by {@code manifest}, signed by {@code signer}: a validly signed
     * bundle whose manifest says something else than its container.
     */
    static byte[] resigned(byte[] bundle, byte[] manifest, ManifestSigner signer) {
        TarBytes.Layout layout = TarBytes.layout(bundle);
        TarBytes.Entry marker = layout.entry("tandem-bundle");
        TarBytes.Entry p7s = layout.entry("manifest.json.p7s");
        long mtime = TarBytes.octal(bundle, (int) marker.headerOffset() + 136, 12);
        return TarBytes.concat(TarBytes.whole(bundle, marker),
                TarBytes.entry("manifest.json", manifest, mtime),
                TarBytes.entry("manifest.json.p7s", signer.sign(manifest), mtime),
                TarBytes.slice(bundle, p7s.end(), bundle.length));
    }

    /** The signed manifest bytes of the sample. */
    static byte[] manifest() {
        return TarBytes.data(Holder.BYTES, entry("manifest.json"));
    }

    private static byte[] create() {
        try {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(tmp);
            Path dir = Files.createTempDirectory(tmp, "sample-");
            try {
                return TestBundles.bundle().image("rootfs", ROOTFS).image("boot", BOOT).chunkSize(CHUNK).bytes(dir);
            } finally {
                TestBundles.deleteTree(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
