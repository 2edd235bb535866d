package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testsupport.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tandem.pki.SignatureException.Reason;

class CmsSignerTest {

    private static final TestPki PKI = new TestPki("acme");
    private static final byte[] MANIFEST = "{\"format\":1}".getBytes(StandardCharsets.UTF_8);

    @Test
    void makesDetachedSignedDataWithSha256AndTheUsualSignedAttributes() throws Exception {
        CMSSignedData signed = new CMSSignedData(PKI.sign(MANIFEST, PKI.signer));
        assertThat(signed.isDetachedSignature()).isTrue();
        SignerInformation signer = signed.getSignerInfos().iterator().next();
        assertThat(signer.getDigestAlgOID()).isEqualTo("2.16.840.1.101.3.4.2.1");
        assertThat(signer.getSignedAttributes().get(CMSAttributes.contentType)).isNotNull();
        assertThat(signer.getSignedAttributes().get(CMSAttributes.messageDigest)).isNotNull();
        assertThat(signer.getSignedAttributes().get(CMSAttributes.signingTime)).isNotNull();
    }

    @Test
    void embedsSignerAndIntermediateOnceEachWhenTheyRepeat() throws Exception {
        IssuedCertificate second = PKI.signers().subject("second").issue();
        byte[] signature = CmsSigner.sign(MANIFEST, List.of(PKI.key(PKI.signer), PKI.key(second), PKI.key(PKI.signer)));
        CMSSignedData signed = new CMSSignedData(signature);
        assertThat(signed.getCertificates().getMatches(null)).hasSize(3);
        assertThat(signed.getSignerInfos().size()).isEqualTo(3);
    }

    @Test
    void refusesToSignWithoutKeys() {
        assertThatThrownBy(() -> CmsSigner.sign(MANIFEST, List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Nested
    class WhenAddingSigners {

        @Test
        void keepsExistingSignerInfosAndCertificatesAndAddsTheNewOnes() throws Exception {
            IssuedCertificate second = PKI.signers().subject("second").issue();
            byte[] first = PKI.sign(MANIFEST, PKI.signer);
            byte[] both = CmsSigner.addSigners(first, MANIFEST, List.of(PKI.key(second)));

            CMSSignedData signed = new CMSSignedData(both);
            assertThat(signed.getSignerInfos().size()).isEqualTo(2);
            assertThat(signed.getCertificates().getMatches(null)).hasSize(3);
            TrustPolicy twoOfTwo = new TrustPolicy(java.time.Instant.now(), null, true, 2, List.of());
            assertThat(new CmsVerifier(PKI.keyring(), twoOfTwo).verify(MANIFEST, both))
                    .containsExactlyInAnyOrder(PKI.signer.certificate(), second.certificate());
            // The first SignerInfo is carried over byte for byte, not re-made.
            SignerInformation original = new CMSSignedData(first).getSignerInfos().iterator().next();
            assertThat(signed.getSignerInfos().getSigners()).anySatisfy(s ->
                    assertThat(s.getSignature()).isEqualTo(original.getSignature()));
        }

        @Test
        void refusesToExtendASignatureOverOtherContent() {
            byte[] other = PKI.sign("other".getBytes(StandardCharsets.UTF_8), PKI.signer);
            assertThatThrownBy(() -> CmsSigner.addSigners(other, MANIFEST, List.of(PKI.key(PKI.signer))))
                    .isInstanceOfSatisfying(SignatureException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.SIGNATURE_MISMATCH));
        }

        @Test
        void refusesToExtendGarbage() {
            assertThatThrownBy(() -> CmsSigner.addSigners(new byte[] {1, 2, 3}, MANIFEST, List.of(PKI.key(PKI.signer))))
                    .isInstanceOfSatisfying(SignatureException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED));
        }
    }

    @Nested
    class WithTheOpensslCommandLine {

        @TempDir
        Path dir;

        private Path write(String name, byte[] bytes) throws Exception {
            return Files.write(dir.resolve(name), bytes);
        }

        @Test
        void opensslVerifiesTandemSignatureThroughAnIntermediate() throws Exception {
            ExternalTool.assume("openssl");
            write("manifest.json", MANIFEST);
            write("manifest.json.p7s", PKI.sign(MANIFEST, PKI.signer));
            PKI.root.writeCertificate(dir.resolve("ca.pem"));
            // Certificates with only the codeSigning EKU need "-purpose any" on OpenSSL 3.0 (its default
            // purpose is S/MIME signing); DevCaTest covers the command of ARCHITECTURE.md §3 as written.
            String out = ExternalTool.ok(dir, "openssl", "cms", "-verify", "-binary", "-inform", "DER",
                    "-in", "manifest.json.p7s", "-content", "manifest.json", "-CAfile", "ca.pem",
                    "-purpose", "any", "-out", "/dev/null");
            assertThat(out).contains("Verification successful");
        }

        @Test
        void opensslRejectsTandemSignatureOverOtherContent() throws Exception {
            ExternalTool.assume("openssl");
            write("manifest.json", "tampered".getBytes(StandardCharsets.UTF_8));
            write("manifest.json.p7s", PKI.sign(MANIFEST, PKI.signer));
            PKI.root.writeCertificate(dir.resolve("ca.pem"));
            assertThat(ExternalTool.run(dir, "openssl", "cms", "-verify", "-binary", "-inform", "DER",
                    "-in", "manifest.json.p7s", "-content", "manifest.json", "-CAfile", "ca.pem",
                    "-purpose", "any", "-out", "/dev/null").exitCode()).isNotZero();
        }

        @Test
        void tandemVerifiesOpensslSignatureByEcSigner() throws Exception {
            assertTandemVerifiesOpensslSignatureBy(PKI.signer);
        }

        @Test
        void tandemVerifiesOpensslSignatureByRsaSigner() throws Exception {
            assertTandemVerifiesOpensslSignatureBy(PKI.signers().subject("rsa signer").rsaKey(3072).issue());
        }

        private void assertTandemVerifiesOpensslSignatureBy(IssuedCertificate signer) throws Exception {
            ExternalTool.assume("openssl");
            write("manifest.json", MANIFEST);
            signer.writeCertificate(dir.resolve("signer.pem"));
            signer.writePrivateKey(dir.resolve("signer.key"));
            PKI.intermediate.writeCertificate(dir.resolve("intermediate.pem"));
            ExternalTool.ok(dir, "openssl", "cms", "-sign", "-binary", "-outform", "DER", "-md", "sha256",
                    "-in", "manifest.json", "-signer", "signer.pem", "-inkey", "signer.key",
                    "-certfile", "intermediate.pem", "-out", "manifest.json.p7s");
            byte[] signature = Files.readAllBytes(dir.resolve("manifest.json.p7s"));
            assertThat(new CmsVerifier(PKI.keyring(), TrustPolicy.standard()).verify(MANIFEST, signature))
                    .containsExactly(signer.certificate());
            assertThatThrownBy(() -> new CmsVerifier(PKI.keyring(), TrustPolicy.standard())
                    .verify("tampered".getBytes(StandardCharsets.UTF_8), signature))
                    .isInstanceOfSatisfying(SignatureException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.SIGNATURE_MISMATCH));
        }
    }
}
