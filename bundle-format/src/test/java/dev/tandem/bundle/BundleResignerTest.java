package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.pki.CertificateIssuer;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.CmsVerifier;
import dev.tandem.pki.DevCa;
import dev.tandem.pki.IssuedCertificate;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.SignatureException;
import dev.tandem.pki.SigningKey;
import dev.tandem.pki.TrustPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BundleResigner}: a new signature, the same manifest and images, byte for byte. */
class BundleResignerTest {

    @TempDir
    static Path dir;

    static IssuedCertificate oldRoot;
    static IssuedCertificate newRoot;
    static SigningKey oldKey;
    static SigningKey newKey;
    static SigningKey bigKey;
    static Path bundle;

    @BeforeAll
    static void makeBundle() throws IOException {
        oldRoot = CertificateIssuer.selfSigned().subject("old root").ca().issue();
        newRoot = CertificateIssuer.selfSigned().subject("new root").ca().issue();
        oldKey = oldRoot.issuer().subject("old signer").issue().signingKey();
        newKey = newRoot.issuer().subject("new signer").issue().signingKey();
        // RSA with an embedded intermediate: a signature of another size, so the padding changes.
        IssuedCertificate mid = newRoot.issuer().subject("new intermediate").keyType(DevCa.KeyType.RSA_2048).ca()
                .issue();
        bigKey = mid.issuer().subject("big signer").keyType(DevCa.KeyType.RSA_2048).issue()
                .signingKey(mid.certificate());
        Path image = dir.resolve("rootfs.img");
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        Arrays.fill(data, 100_000, 200_000, (byte) 0);
        Files.write(image, data);
        bundle = dir.resolve("old.tandem");
        new BundleWriter().compatible("resign-test").version("1.2.3").created(Instant.parse("2026-01-02T03:04:05Z"))
                .chunkSize(16384).image("rootfs", "rootfs", image).signer(m -> CmsSigner.sign(m, List.of(oldKey)))
                .write(bundle);
    }

    static CmsVerifier trusting(int required, IssuedCertificate... roots) {
        return new CmsVerifier(Keyring.of(Arrays.stream(roots).map(IssuedCertificate::certificate).toList(),
                List.of()), new TrustPolicy(Instant.now(), null, true, required, List.of()));
    }

    static BundleVerifier.Report verify(Path file, CmsVerifier verifier) throws IOException {
        try (FileSource s = FileSource.open(file)) {
            return BundleVerifier.verifyAll(s, verifier::verify, dir);
        }
    }

    @Test
    void replacesOnlyTheSignatureEntry() throws IOException {
        Path out = dir.resolve("replaced.tandem");
        BundleResigner.Result r = BundleResigner.resign(bundle, out, trusting(1, oldRoot)::verify,
                (manifest, old) -> CmsSigner.sign(manifest, List.of(bigKey)));

        assertThat(r.newSignatureSize()).isGreaterThan(r.oldSignatureSize());
        BundleVerifier.Report report = verify(out, trusting(1, newRoot));
        assertThat(report.bundleId()).isEqualTo(r.bundleId()).isEqualTo(verify(bundle, trusting(1, oldRoot)).bundleId());
        assertThatThrownBy(() -> verify(out, trusting(1, oldRoot))).isInstanceOf(SignatureException.class);

        byte[] before = Files.readAllBytes(bundle);
        byte[] after = Files.readAllBytes(out);
        // Marker and manifest entries are the first 3 x 512 bytes plus the manifest's data and padding.
        int signatureAt = signatureEntryOffset(before);
        assertThat(signatureEntryOffset(after)).isEqualTo(signatureAt);
        assertThat(Arrays.copyOf(after, signatureAt)).isEqualTo(Arrays.copyOf(before, signatureAt));
        int oldRest = signatureAt + 512 + padded(r.oldSignatureSize());
        int newRest = signatureAt + 512 + padded(r.newSignatureSize());
        assertThat(Arrays.copyOfRange(after, newRest, after.length))
                .isEqualTo(Arrays.copyOfRange(before, oldRest, before.length));
        assertThat(after.length - before.length).isEqualTo(padded(r.newSignatureSize()) - padded(r.oldSignatureSize()));
        // The new header differs from the old one only in its size and checksum fields.
        byte[] oldHeader = Arrays.copyOfRange(before, signatureAt, signatureAt + 512);
        byte[] newHeader = Arrays.copyOfRange(after, signatureAt, signatureAt + 512);
        Arrays.fill(oldHeader, 124, 136, (byte) 0);
        Arrays.fill(newHeader, 124, 136, (byte) 0);
        Arrays.fill(oldHeader, 148, 156, (byte) 0);
        Arrays.fill(newHeader, 148, 156, (byte) 0);
        assertThat(newHeader).isEqualTo(oldHeader);
    }

    @Test
    void addsASignatureThatCountsBesideTheOldOne() throws IOException {
        Path out = dir.resolve("added.tandem");
        BundleResigner.resign(bundle, out, ManifestVerifier.unverified(),
                (manifest, old) -> CmsSigner.addSigners(old, manifest, List.of(newKey)));

        assertThat(verify(out, trusting(2, oldRoot, newRoot)).images()).hasSize(1);
        assertThat(trusting(2, oldRoot, newRoot).verify(readSignedManifest(out), readSignature(out))).hasSize(2);
        assertThatThrownBy(() -> verify(bundle, trusting(2, oldRoot, newRoot)))
                .isInstanceOf(SignatureException.class)
                .extracting(e -> ((SignatureException) e).reason()).isEqualTo(SignatureException.Reason.TOO_FEW_SIGNATURES);
    }

    @Test
    void resignsInPlace() throws IOException {
        Path copy = dir.resolve("in-place.tandem");
        Files.copy(bundle, copy);
        BundleResigner.resign(copy, copy, ManifestVerifier.unverified(),
                (manifest, old) -> CmsSigner.sign(manifest, List.of(newKey)));
        verify(copy, trusting(1, newRoot));
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void refusesABundleWhoseSignatureTheCheckRefuses() {
        Path out = dir.resolve("refused.tandem");
        assertThatThrownBy(() -> BundleResigner.resign(bundle, out, trusting(1, newRoot)::verify,
                (manifest, old) -> CmsSigner.sign(manifest, List.of(newKey))))
                .isInstanceOf(SignatureException.class);
        assertThat(out).doesNotExist();
    }

    @Test
    void refusesASignatureLargerThanTheFormatAllows() {
        Path out = dir.resolve("too-big.tandem");
        assertThatThrownBy(() -> BundleResigner.resign(bundle, out, ManifestVerifier.unverified(),
                (manifest, old) -> new byte[BundleReader.MAX_SIGNATURE_SIZE + 1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65536");
        assertThat(out).doesNotExist();
    }

    @Test
    void refusesSomethingThatIsNotABundle() throws IOException {
        Path junk = dir.resolve("junk.tandem");
        Files.write(junk, new byte[4096]);
        assertThatThrownBy(() -> BundleResigner.resign(junk, dir.resolve("x.tandem"), ManifestVerifier.unverified(),
                (manifest, old) -> CmsSigner.sign(manifest, List.of(newKey))))
                .isInstanceOf(VerificationException.class);
    }

    static int padded(int size) {
        return (size + 511) / 512 * 512;
    }

    /** Offset of the manifest.json.p7s header: after the marker (1024 bytes) and the manifest entry. */
    static int signatureEntryOffset(byte[] tar) {
        int manifestSize = (int) Long.parseLong(new String(tar, 1024 + 124, 11, java.nio.charset.StandardCharsets.US_ASCII), 8);
        return 1024 + 512 + padded(manifestSize);
    }

    static byte[] readSignedManifest(Path file) throws IOException {
        try (FileSource s = FileSource.open(file)) {
            return BundleReader.open(s, ManifestVerifier.unverified(), dir).manifestBytes();
        }
    }

    static byte[] readSignature(Path file) throws IOException {
        try (FileSource s = FileSource.open(file)) {
            return BundleReader.open(s, ManifestVerifier.unverified(), dir).signature();
        }
    }
}
