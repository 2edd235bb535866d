package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.BundleResigner;
import dev.tandem.bundle.ManifestVerifier;
import dev.tandem.pki.CertificateIssuer;
import dev.tandem.pki.CertificateIssuer.ExtendedKeyUsage;
import dev.tandem.pki.CertificateIssuer.KeyUsage;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.CrlIssuer;
import dev.tandem.pki.IssuedCertificate;
import dev.tandem.pki.SigningKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * ARCHITECTURE.md §3 "Signers", end to end: {@code tandem install} of a bundle whose signature a device must not accept.
 * Each case is refused with exit code 3 and its own one-line message, before anything is written: the target
 * slot stays empty and unbootable, the booted slot stays primary.
 */
class SignerMatrixInstallTest {

    @TempDir
    static Path dir;

    static SignerMaterial pki;
    static SimulatedDevice device;
    static IssuedCertificate revokedSigner;

    @BeforeAll
    static void setUp() throws IOException {
        pki = new SignerMaterial(dir.resolve("pki"), "device root");
        revokedSigner = pki.signer("revoked signer");
        Path keyring = pki.keyring("keyring.pem", CrlIssuer.by(pki.root).revoke(revokedSigner.certificate()).issue());
        device = SimulatedDevice.create(dir.resolve("device"), keyring, "");
    }

    /** A case: the bundle, and the phrase its refusal must contain. */
    record Case(String name, Path bundle, String phrase) {
    }

    static List<Case> cases() throws IOException {
        byte[] image = SimulatedDevice.image(2);
        List<Case> cases = new ArrayList<>();
        IssuedCertificate otherRoot = CertificateIssuer.selfSigned().subject("someone else's root").ca().issue();
        cases.add(new Case("untrusted root", device.bundle("untrusted-root", "2.0.0", 0, image,
                // The foreign chain is embedded whole: the device sees where it ends, and does not trust that.
                otherRoot.issuer().subject("foreign signer").issue().signingKey(otherRoot.certificate())),
                "chain ends at"));

        IssuedCertificate intermediate = pki.root.issuer().subject("release CA").ca().issue();
        SigningKey withoutIntermediate = intermediate.issuer().subject("release signer").issue().signingKey();
        cases.add(new Case("missing intermediate", device.bundle("missing-intermediate", "2.0.0", 0, image,
                withoutIntermediate), "missing intermediate"));

        Instant now = Instant.now();
        cases.add(new Case("expired", device.bundle("expired", "2.0.0", 0, image, pki.root.issuer()
                .subject("expired signer").validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)))
                .issue().signingKey()), "expired on"));
        cases.add(new Case("not yet valid", device.bundle("not-yet-valid", "2.0.0", 0, image, pki.root.issuer()
                .subject("future signer").validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)))
                .issue().signingKey()), "is not valid before"));
        cases.add(new Case("revoked by CRL", device.bundle("revoked", "2.0.0", 0, image,
                revokedSigner.signingKey()), "was revoked on"));
        cases.add(new Case("wrong key usage", device.bundle("wrong-key-usage", "2.0.0", 0, image, pki.root.issuer()
                .subject("encryption-only").keyUsage(KeyUsage.KEY_ENCIPHERMENT).issue().signingKey()),
                "key usage lacks digitalSignature"));
        cases.add(new Case("wrong extended key usage", device.bundle("wrong-eku", "2.0.0", 0, image, pki.root.issuer()
                .subject("tls server").extendedKeyUsage(ExtendedKeyUsage.SERVER_AUTH).issue().signingKey()),
                "is not a code-signing certificate"));

        // SHA-1 certificates need an RSA issuer: refusesACertificateSignedWithSha1 has its own device.
        cases.add(new Case("RSA-1024 signer", device.bundle("rsa-1024", "2.0.0", 0, image, pki.root.issuer()
                .subject("small key").rsaKey(1024).issue().signingKey()), "1024"));

        Path foreign = device.bundle("other-bytes", "2.0.0", 0, image, pki.signer("honest signer").signingKey());
        SigningKey good = pki.signer("good signer").signingKey();
        Path otherBytes = dir.resolve("device/signature-over-other-bytes.tandem");
        BundleResigner.resign(foreign, otherBytes, ManifestVerifier.unverified(), (manifest, old) ->
                CmsSigner.sign("{\"format\":1}".getBytes(StandardCharsets.UTF_8), List.of(good)));
        cases.add(new Case("signature over different bytes", otherBytes, "did not sign this content"));
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> refusesEachSignerItMustNotTrust() throws IOException {
        Map<String, String> messages = new LinkedHashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        List<Case> all = cases();
        for (Case c : all) {
            tests.add(DynamicTest.dynamicTest(c.name(), () -> {
                CliRunner.Result r = device.install(c.bundle());
                assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCode.VERIFICATION.code());
                assertThat(r.err()).contains(c.phrase()).startsWith("tandem: install ");
                assertThat(r.err().strip()).doesNotContain("\n");
                device.assertUntouched();
                // Without the path and the names in it, what is left is the reason.
                messages.put(c.name(), r.err().strip().replaceAll("install \\S+", "").replaceAll("\"[^\"]*\"", ""));
            }));
        }
        tests.add(DynamicTest.dynamicTest("every refusal has its own message", () ->
                assertThat(messages.values()).hasSize(all.size()).doesNotHaveDuplicates()));
        return tests.stream();
    }

    @Test
    void refusesACertificateSignedWithSha1(@TempDir Path tmp) throws IOException {
        IssuedCertificate rsaRoot = CertificateIssuer.selfSigned().subject("rsa root").ca().rsaKey(2048).issue();
        Path keyring = tmp.resolve("rsa-keyring.pem");
        java.nio.file.Files.writeString(keyring, SignerMaterial.pem(rsaRoot.certificate()));
        SimulatedDevice sha1Device = SimulatedDevice.create(tmp.resolve("device"), keyring, "");
        SigningKey sha1Signed = rsaRoot.issuer().subject("sha1 signer").signatureAlgorithm("SHA1withRSA").issue()
                .signingKey();
        CliRunner.Result r = sha1Device.install(sha1Device.bundle("sha1", "2.0.0", 0, SimulatedDevice.image(2),
                sha1Signed));
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCode.VERIFICATION.code());
        assertThat(r.err()).containsIgnoringCase("sha1");
        sha1Device.assertUntouched();
    }

    @Test
    void installsWhatAGoodSignerSigned(@TempDir Path tmp) throws IOException {
        SimulatedDevice fresh = SimulatedDevice.create(tmp, pki.keyring("keyring-good.pem"), "");
        byte[] image = SimulatedDevice.image(2);
        CliRunner.Result r = fresh.install(fresh.bundle("good", "2.0.0", 0, image, pki.signer("release").signingKey()));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(fresh.slotBytes(fresh.slotB, image.length)).isEqualTo(image);
        assertThat(fresh.status().primary()).isEqualTo("rootfs.1");
    }
}
