package dev.tandem.bundle;

import dev.tandem.bundle.fuzz.ByteArraySource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tandem.pki.CertificateIssuer;
import dev.tandem.pki.CertificateIssuer.ExtendedKeyUsage;
import dev.tandem.pki.IssuedCertificate;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.SignatureException;
import dev.tandem.pki.SignatureException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader checks the manifest's CMS signature against the device's keyring before it parses the manifest
 * or reads any image byte (FORMAT.md §6, ARCHITECTURE.md §3 "Signers"); each refusal carries the pki module's reason.
 */
class BundleSignatureTest {

    private static final byte[] IMAGE = TestImages.mixed(40_000, 21);
    private static final IssuedCertificate ROOT = CertificateIssuer.selfSigned().subject("acme root").ca().issue();
    private static final Keyring KEYRING = Keyring.of(List.of(ROOT.certificate()), List.of());

    @TempDir
    Path dir;

    @Test
    void acceptsABundleSignedByTheDevelopmentSigner() throws IOException {
        BundleVerifier.Report report = BundleVerifier.verifyAll(new ByteArraySource(bundle(TestBundles.signer()), Integer.MAX_VALUE),
                TestBundles.verifier(), null);
        assertThat(report.images()).hasSize(1);
    }

    @Test
    void refusesABundleWhenTheKeyringHoldsAnotherCa() throws IOException {
        SignatureException e = refused(bundle(TestBundles.signer()), KEYRING);
        assertThat(e.reason()).isEqualTo(Reason.NOT_TRUSTED);
        assertThat(e.getMessage()).contains("not trusted");
    }

    @Test
    void refusesAnExpiredSigner() throws IOException {
        Instant now = Instant.now();
        IssuedCertificate expired = ROOT.issuer().subject("old signer")
                .validity(now.minus(Duration.ofDays(400)), now.minus(Duration.ofDays(35))).issue();
        SignatureException e = refused(bundle(TestBundles.signer(expired.signingKey())), KEYRING);
        assertThat(e.reason()).isEqualTo(Reason.EXPIRED);
        assertThat(e.getMessage()).contains("expired");
    }

    @Test
    void refusesASignerThatIsNotYetValid() throws IOException {
        Instant now = Instant.now();
        IssuedCertificate future = ROOT.issuer().subject("future signer")
                .validity(now.plus(Duration.ofDays(30)), now.plus(Duration.ofDays(400))).issue();
        assertThat(refused(bundle(TestBundles.signer(future.signingKey())), KEYRING).reason())
                .isEqualTo(Reason.NOT_YET_VALID);
    }

    @Test
    void refusesASelfSignedSigner() throws IOException {
        IssuedCertificate self = CertificateIssuer.selfSigned().subject("mallory").issue();
        assertThat(refused(bundle(TestBundles.signer(self.signingKey())), KEYRING).reason())
                .isEqualTo(Reason.NOT_TRUSTED);
    }

    @Test
    void refusesASignerFromAnUntrustedCaWithTheSameName() throws IOException {
        IssuedCertificate impostor = CertificateIssuer.selfSigned().subject("acme root").ca().issue();
        IssuedCertificate signer = impostor.issuer().subject("release signer").issue();
        assertThat(refused(bundle(TestBundles.signer(signer.signingKey())), KEYRING).reason())
                .isEqualTo(Reason.NOT_TRUSTED);
    }

    @Test
    void refusesASignerWithoutCodeSigningUsage() throws IOException {
        IssuedCertificate web = ROOT.issuer().subject("web server").extendedKeyUsage(ExtendedKeyUsage.SERVER_AUTH)
                .issue();
        assertThat(refused(bundle(TestBundles.signer(web.signingKey())), KEYRING).reason())
                .isEqualTo(Reason.KEY_USAGE);
    }

    @Test
    void acceptsABundleSignedByAnOldAndANewKeyWhenOnlyOneIsTrusted() throws IOException {
        // Key rotation: devices trusting either key accept the bundle.
        IssuedCertificate signer = ROOT.issuer().subject("new signer").issue();
        byte[] b = bundle(TestBundles.signer(TestBundles.devCa().signingKey(), signer.signingKey()));
        BundleVerifier.verifyAll(new ByteArraySource(b, Integer.MAX_VALUE), TestBundles.verifier(KEYRING), null);
        BundleVerifier.verifyAll(new ByteArraySource(b, Integer.MAX_VALUE), TestBundles.verifier(), null);
    }

    @Test
    void checksTheSignatureBeforeReadingAnyImageByte() throws IOException {
        byte[] b = bundle(TestBundles.signer());
        TarBytes.Entry p7s = TarBytes.layout(b).entry("manifest.json.p7s");
        FragmentingSource source = new FragmentingSource(new ByteArraySource(b, Integer.MAX_VALUE), 512, null, true);
        catchThrowableOfType(SignatureException.class,
                () -> BundleReader.open(source, TestBundles.verifier(KEYRING), null));
        assertThat(source.position()).isEqualTo(p7s.end());
    }

    @Test
    void checksTheSignatureBeforeParsingTheManifest() throws IOException {
        byte[] b = SampleBundle.resigned(bundle(TestBundles.signer()), "not json".getBytes(),
                TestBundles.signer(CertificateIssuer.selfSigned().subject("mallory").issue().signingKey()));
        assertThat(refused(b, TestBundles.devCa().keyring()).reason()).isEqualTo(Reason.NOT_TRUSTED);
    }

    @Test
    void acceptsAnyValidSignatureWhenAskedNotToVerify() throws IOException {
        // Only for "bundle info" without a keyring, which prints "signature NOT verified" first.
        IssuedCertificate self = CertificateIssuer.selfSigned().subject("mallory").issue();
        BundleVerifier.verifyAll(new ByteArraySource(bundle(TestBundles.signer(self.signingKey())), Integer.MAX_VALUE),
                ManifestVerifier.unverified(), null);
    }

    private byte[] bundle(ManifestSigner signer) throws IOException {
        return TestBundles.rootfs(IMAGE).chunkSize(16 * 1024).signedBy(signer).bytes(Files.createDirectories(dir));
    }

    private static SignatureException refused(byte[] bundle, Keyring keyring) {
        SignatureException e = catchThrowableOfType(SignatureException.class,
                () -> BundleVerifier.verifyAll(new ByteArraySource(bundle, Integer.MAX_VALUE), TestBundles.verifier(keyring), null));
        assertThat(e).as("refused").isNotNull();
        SampleBundle.assertOneLine(e);
        return e;
    }
}
