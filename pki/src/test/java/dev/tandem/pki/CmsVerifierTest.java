package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.RSAPublicKeySpec;
import java.util.Date;
import java.security.Provider;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.cms.SignerInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.tandem.pki.CertificateIssuer.ExtendedKeyUsage;
import dev.tandem.pki.CertificateIssuer.KeyUsage;
import dev.tandem.pki.SignatureException.Reason;

class CmsVerifierTest {

    private static final TestPki PKI = new TestPki("acme");
    private static final Provider BC = new BouncyCastleProvider();
    private static final byte[] MANIFEST = "{\"format\":1,\"version\":\"2.1.0\"}".getBytes(StandardCharsets.UTF_8);

    private static List<X509Certificate> verify(byte[] signature) {
        return new CmsVerifier(PKI.keyring(), TrustPolicy.standard()).verify(MANIFEST, signature);
    }

    private static SignatureException failure(Keyring keyring, TrustPolicy policy, byte[] signature) {
        return catchThrowableOfType(() -> new CmsVerifier(keyring, policy).verify(MANIFEST, signature),
                SignatureException.class);
    }

    private static SignatureException failure(byte[] signature) {
        return failure(PKI.keyring(), TrustPolicy.standard(), signature);
    }

    private static SignatureException failureOf(IssuedCertificate leaf) {
        return failure(PKI.sign(MANIFEST, leaf));
    }

    /** A detached signature by {@code key} with {@code jcaAlgorithm}, embedding {@code certificates}. */
    private static byte[] signWith(String jcaAlgorithm, Provider provider, PrivateKey key,
                                   X509Certificate... certificates) throws Exception {
        JcaContentSignerBuilder signer = new JcaContentSignerBuilder(jcaAlgorithm);
        if (provider != null) {
            signer.setProvider(provider);
        }
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                new JcaDigestCalculatorProviderBuilder().build()).build(signer.build(key), certificates[0]));
        generator.addCertificates(new JcaCertStore(List.of(certificates)));
        return generator.generate(new CMSProcessableByteArray(MANIFEST), false).getEncoded(ASN1Encoding.DER);
    }

    /** The signature with its SignerInfo claiming another signature algorithm (judged before the value is). */
    private static byte[] claimingAlgorithm(byte[] signature, AlgorithmIdentifier algorithm) {
        return SignatureBypassTest.withSignerInfo(signature, si -> new SignerInfo(si.getSID(), si.getDigestAlgorithm(),
                si.getAuthenticatedAttributes(), algorithm, si.getEncryptedDigest(), si.getUnauthenticatedAttributes()));
    }

    /** A chain of {@code cas} CAs below the root (no path length limits), then a leaf; the leaf's key embeds them. */
    private static SigningKey belowCas(int cas, String leafName) {
        IssuedCertificate issuer = PKI.root;
        X509Certificate[] chain = new X509Certificate[cas];
        for (int i = 0; i < cas; i++) {
            issuer = issuer.issuer().subject("level " + (i + 1) + " CA").ca().issue();
            chain[cas - 1 - i] = issuer.certificate();
        }
        return issuer.issuer().subject(leafName).issue().signingKey(chain);
    }

    @Test
    void acceptsSignatureOfTrustedSignerAndReturnsItsCertificate() {
        assertThat(verify(PKI.sign(MANIFEST, PKI.signer))).containsExactly(PKI.signer.certificate());
    }

    @Test
    void acceptsRsaSigner() {
        IssuedCertificate rsa = PKI.signers().subject("rsa signer").rsaKey(2048).issue();
        assertThat(verify(PKI.sign(MANIFEST, rsa))).containsExactly(rsa.certificate());
    }

    @Nested
    class WhenTheChainIsNotTrusted {

        @Test
        void rejectsSignerFromAnotherRoot() {
            TestPki other = new TestPki("other");
            SignatureException e = failure(other.sign(MANIFEST, other.signer));
            assertThat(e.reason()).isEqualTo(Reason.NOT_TRUSTED);
            assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=other signer\" is not trusted by the"
                    + " keyring (no path to a trust anchor: the chain ends at \"CN=other intermediate\", whose issuer"
                    + " \"CN=other root\" is not in the keyring)");
        }

        @Test
        void rejectsSignatureMissingItsIntermediateAndSaysSo() {
            byte[] signature = CmsSigner.sign(MANIFEST, List.of(PKI.signer.signingKey()));
            SignatureException e = failure(signature);
            assertThat(e.reason()).isEqualTo(Reason.NOT_TRUSTED);
            assertThat(e.getMessage()).contains("missing intermediate")
                    .contains("\"CN=acme intermediate\"");
        }

        @Test
        void rejectsSignerWhoseIssuerNameMatchesButKeyDoesNot() {
            IssuedCertificate impostor = CertificateIssuer.selfSigned().subject("acme root").ca().issue();
            IssuedCertificate leaf = impostor.issuer().subject("impostor").issue();
            SignatureException e = failure(CmsSigner.sign(MANIFEST, List.of(leaf.signingKey())));
            assertThat(e.reason()).isEqualTo(Reason.NOT_TRUSTED);
            assertThat(e.getMessage()).contains("different key");
        }

        @Test
        void namesCertificatesWithControlCharactersOnOneLine() {
            // Found by RandomlyCorruptedBundleTest: a byte of the signer's name flipped to a newline made the
            // refusal two lines. Names come from the signature, so an attacker picks them.
            IssuedCertificate impostor = CertificateIssuer.selfSigned().subject("acme root").ca().issue();
            IssuedCertificate leaf = impostor.issuer().subject("evil\nsigner\u2028x\u0007").issue();
            SignatureException e = failure(CmsSigner.sign(MANIFEST, List.of(leaf.signingKey())));
            assertThat(e.getMessage()).doesNotContain("\n", "\u2028", "\u0007")
                    .contains("\"CN=evil\\0Asigner\\E2\\80\\A8x\\07\"");
        }

        @Test
        void namesTheEmbeddedCertificateThatCarriesTheIssuersNameButNotItsKey() {
            IssuedCertificate lookalike = PKI.root.issuer().subject("acme intermediate").ca().issue();
            SignatureException e = failure(CmsSigner.sign(MANIFEST,
                    List.of(PKI.signer.signingKey(lookalike.certificate()))));
            assertThat(e.reason()).isEqualTo(Reason.NOT_TRUSTED);
            assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=acme signer\" is not trusted by the keyring"
                    + " (no path to a trust anchor: the certificate named \"CN=acme intermediate\" did not sign"
                    + " \"CN=acme signer\" (different key))");
        }

        @Test
        void acceptsEightCertificatesBelowTheAnchorAndRefusesNine() {
            assertThat(verify(CmsSigner.sign(MANIFEST, List.of(belowCas(7, "leaf of eight"))))).hasSize(1);
            SignatureException e = failure(CmsSigner.sign(MANIFEST, List.of(belowCas(8, "leaf of nine"))));
            assertThat(e.reason()).isEqualTo(Reason.NOT_TRUSTED);
            assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=leaf of nine\" is not trusted by the"
                    + " keyring (chain longer than 8 certificates)");
        }

        @Test
        void rejectsAPathBeyondAnIssuersPathLengthConstraintInTheJdksWords() {
            // The acme intermediate has pathLen 0: no CA may follow it. tandem does not check path lengths
            // itself; the JDK's PKIX validation over the found path does.
            IssuedCertificate subCa = PKI.signers().subject("sub CA").ca().issue();
            IssuedCertificate leaf = subCa.issuer().subject("below sub CA").issue();
            SignatureException e = failure(CmsSigner.sign(MANIFEST,
                    List.of(leaf.signingKey(subCa.certificate(), PKI.intermediate.certificate()))));
            assertThat(e.reason()).isEqualTo(Reason.NOT_TRUSTED);
            assertThat(e.getMessage()).startsWith("signature: signer \"CN=below sub CA\" is not trusted: ")
                    .doesNotContain("\n");
        }

        @Test
        void rejectsChainThroughACertificateThatIsNotACa() {
            IssuedCertificate notCa = PKI.root.issuer().subject("leaf posing as CA")
                    .keyUsage(KeyUsage.DIGITAL_SIGNATURE, KeyUsage.KEY_CERT_SIGN).issue();
            IssuedCertificate leaf = notCa.issuer().subject("below a leaf").issue();
            SignatureException e = failure(CmsSigner.sign(MANIFEST, List.of(leaf.signingKey(notCa.certificate()))));
            assertThat(e.reason()).isEqualTo(Reason.KEY_USAGE);
            assertThat(e.getMessage()).contains("is not a CA");
        }
    }

    @Nested
    class WhenCheckingValidityDates {

        @Test
        void rejectsSignerWhoseCertificateExpired() {
            Instant notAfter = Instant.parse("2026-01-01T00:00:00Z");
            IssuedCertificate expired = PKI.signers().subject("acme release 2025")
                    .validity(notAfter.minus(Duration.ofDays(365)), notAfter).issue();
            SignatureException e = failure(PKI.keyring(), TestPki.policyAt(notAfter.plusSeconds(60)),
                    PKI.sign(MANIFEST, expired));
            assertThat(e.reason()).isEqualTo(Reason.EXPIRED);
            assertThat(e.getMessage()).startsWith(
                    "signature: signer \"CN=acme release 2025\" expired on 2026-01-01T00:00:00Z");
        }

        @Test
        void rejectsSignerWhoseCertificateIsNotYetValid() {
            IssuedCertificate future = PKI.signers().subject("future")
                    .validity(Instant.now().plus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30))).issue();
            SignatureException e = failureOf(future);
            assertThat(e.reason()).isEqualTo(Reason.NOT_YET_VALID);
            assertThat(e.getMessage()).contains("signer \"CN=future\" is not valid before");
        }

        @Test
        void acceptsNotYetValidSignerWhenSignerTimeIsNotChecked() {
            IssuedCertificate future = PKI.signers().subject("future")
                    .validity(Instant.now().plus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30))).issue();
            TrustPolicy noRtc = new TrustPolicy(Instant.now(), null, false, 1, List.of());
            assertThat(new CmsVerifier(PKI.keyring(), noRtc).verify(MANIFEST, PKI.sign(MANIFEST, future)))
                    .containsExactly(future.certificate());
        }

        @Test
        void stillRejectsExpiredSignerWhenSignerTimeIsNotChecked() {
            IssuedCertificate expired = PKI.signers().subject("old")
                    .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1))).issue();
            TrustPolicy noRtc = new TrustPolicy(Instant.now(), null, false, 1, List.of());
            assertThat(failure(PKI.keyring(), noRtc, PKI.sign(MANIFEST, expired)).reason()).isEqualTo(Reason.EXPIRED);
        }

        @Test
        void rejectsValidSignerWhenTheTimeFloorLiesBeyondItsExpiry() {
            IssuedCertificate leaf = PKI.signers().subject("short-lived").validFor(Duration.ofDays(30)).issue();
            Instant floor = Instant.now().plus(Duration.ofDays(60));
            TrustPolicy policy = new TrustPolicy(Instant.now(), floor, true, 1, List.of());
            SignatureException e = failure(PKI.keyring(), policy, PKI.sign(MANIFEST, leaf));
            assertThat(e.reason()).isEqualTo(Reason.EXPIRED);
            assertThat(e.getMessage()).contains("checked at " + floor);
        }

        @Test
        void ignoresATimeFloorInThePast() {
            TrustPolicy policy = new TrustPolicy(Instant.now(), Instant.parse("2001-01-01T00:00:00Z"), true, 1, List.of());
            assertThat(new CmsVerifier(PKI.keyring(), policy).verify(MANIFEST, PKI.sign(MANIFEST, PKI.signer)))
                    .hasSize(1);
        }

        @Test
        void rejectsSignerBelowAnExpiredIntermediateNamingTheIntermediate() {
            Instant now = Instant.now();
            IssuedCertificate oldCa = PKI.root.issuer().subject("old intermediate").ca()
                    .validity(now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(1))).issue();
            IssuedCertificate leaf = oldCa.issuer().subject("leaf").issue();
            SignatureException e = failure(CmsSigner.sign(MANIFEST, List.of(leaf.signingKey(oldCa.certificate()))));
            assertThat(e.reason()).isEqualTo(Reason.EXPIRED);
            assertThat(e.getMessage()).contains("signer \"CN=leaf\": certificate \"CN=old intermediate\" expired on");
        }

        @Test
        void rejectsASignerThatBecomesValidOnlyAfterItsIssuerExpiredWhenSignerTimeIsNotChecked() {
            // Nothing has expired yet and not-yet-valid is not checked, but the chain is never valid all at
            // once: the JDK's validation, dated at the signer's notBefore, finds the issuer expired.
            Instant now = Instant.now();
            IssuedCertificate shortCa = PKI.root.issuer().subject("short-lived CA").ca()
                    .validity(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(5))).issue();
            IssuedCertificate leaf = shortCa.issuer().subject("later signer")
                    .validity(now.plus(Duration.ofDays(10)), now.plus(Duration.ofDays(40))).issue();
            TrustPolicy noRtc = new TrustPolicy(now, null, false, 1, List.of());
            SignatureException e = failure(PKI.keyring(), noRtc,
                    CmsSigner.sign(MANIFEST, List.of(leaf.signingKey(shortCa.certificate()))));
            assertThat(e.reason()).isEqualTo(Reason.EXPIRED);
            assertThat(e.getMessage()).startsWith("signature: signer \"CN=later signer\" is not trusted: ");
        }
    }

    @Nested
    class WhenTheKeyringHasACrl {

        private final IssuedCertificate direct = PKI.root.issuer().subject("direct signer").issue();

        private byte[] directSignature() {
            return CmsSigner.sign(MANIFEST, List.of(direct.signingKey()));
        }

        @Test
        void rejectsSignerRevokedByTheCrlOfItsIssuer() {
            X509CRL crl = CrlIssuer.by(PKI.root).revoke(direct.certificate()).issue();
            SignatureException e = failure(PKI.keyring(crl), TrustPolicy.standard(), directSignature());
            assertThat(e.reason()).isEqualTo(Reason.REVOKED);
            assertThat(e.getMessage()).startsWith("signature: signer \"CN=direct signer\" was revoked on")
                    .endsWith("(CRL of \"CN=acme root\")");
        }

        @Test
        void rejectsSignerBelowARevokedIntermediate() {
            X509CRL crl = CrlIssuer.by(PKI.root).revoke(PKI.intermediate.certificate()).issue();
            SignatureException e = failure(PKI.keyring(crl), TrustPolicy.standard(), PKI.sign(MANIFEST, PKI.signer));
            assertThat(e.reason()).isEqualTo(Reason.REVOKED);
            assertThat(e.getMessage()).contains("certificate \"CN=acme intermediate\" was revoked");
        }

        @Test
        void acceptsSignerTheCrlDoesNotList() {
            X509CRL crl = CrlIssuer.by(PKI.root).revoke(PKI.root.certificate().getSerialNumber().add(
                    java.math.BigInteger.TEN), Instant.now()).issue();
            assertThat(new CmsVerifier(PKI.keyring(crl), TrustPolicy.standard()).verify(MANIFEST, directSignature()))
                    .containsExactly(direct.certificate());
        }

        @Test
        void stillAppliesACrlPastItsNextUpdate() {
            Instant now = Instant.now();
            X509CRL stale = CrlIssuer.by(PKI.root).revoke(direct.certificate())
                    .validity(now.minus(Duration.ofDays(60)), now.minus(Duration.ofDays(30))).issue();
            assertThat(failure(PKI.keyring(stale), TrustPolicy.standard(), directSignature()).reason())
                    .isEqualTo(Reason.REVOKED);
        }
    }

    @Nested
    class WhenCheckingKeyUsage {

        @Test
        void rejectsSignerWithoutDigitalSignatureKeyUsage() {
            IssuedCertificate leaf = PKI.signers().subject("encryption only").keyUsage(KeyUsage.KEY_ENCIPHERMENT).issue();
            SignatureException e = failureOf(leaf);
            assertThat(e.reason()).isEqualTo(Reason.KEY_USAGE);
            assertThat(e.getMessage()).contains("lacks digitalSignature");
        }

        @Test
        void rejectsSignerWithoutKeyUsageExtension() {
            IssuedCertificate leaf = PKI.signers().subject("no key usage").keyUsage().issue();
            assertThat(failureOf(leaf).reason()).isEqualTo(Reason.KEY_USAGE);
        }

        @Test
        void rejectsSignerWhoseExtendedKeyUsageLacksCodeSigning() {
            IssuedCertificate leaf = PKI.signers().subject("tls server").extendedKeyUsage(ExtendedKeyUsage.SERVER_AUTH).issue();
            SignatureException e = failureOf(leaf);
            assertThat(e.reason()).isEqualTo(Reason.KEY_USAGE);
            assertThat(e.getMessage()).contains("lacks codeSigning");
        }

        @Test
        void rejectsSignerWhoseExtendedKeyUsageIsOnlyAny() {
            IssuedCertificate leaf = PKI.signers().subject("anything").extendedKeyUsage(ExtendedKeyUsage.ANY).issue();
            assertThat(failureOf(leaf).reason()).isEqualTo(Reason.KEY_USAGE);
        }

        @Test
        void acceptsSignerWithoutExtendedKeyUsage() {
            IssuedCertificate leaf = PKI.signers().subject("no eku").extendedKeyUsage().issue();
            assertThat(verify(PKI.sign(MANIFEST, leaf))).containsExactly(leaf.certificate());
        }

        @Test
        void rejectsIntermediateWithoutKeyCertSign() {
            IssuedCertificate ca = PKI.root.issuer().subject("crl-only CA").ca().keyUsage(KeyUsage.CRL_SIGN).issue();
            IssuedCertificate leaf = ca.issuer().subject("leaf").issue();
            SignatureException e = failure(CmsSigner.sign(MANIFEST, List.of(leaf.signingKey(ca.certificate()))));
            assertThat(e.reason()).isEqualTo(Reason.KEY_USAGE);
            assertThat(e.getMessage()).contains("lacks the keyCertSign key usage");
        }

        @Test
        void rejectsIntermediateRestrictedToOtherExtendedKeyUsages() {
            IssuedCertificate ca = PKI.root.issuer().subject("tls CA").ca()
                    .extendedKeyUsage(ExtendedKeyUsage.SERVER_AUTH, ExtendedKeyUsage.CLIENT_AUTH).issue();
            IssuedCertificate leaf = ca.issuer().subject("leaf").issue();
            SignatureException e = failure(CmsSigner.sign(MANIFEST, List.of(leaf.signingKey(ca.certificate()))));
            assertThat(e.reason()).isEqualTo(Reason.KEY_USAGE);
            assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=leaf\": certificate \"CN=tls CA\" is"
                    + " restricted to extended key usages [1.3.6.1.5.5.7.3.1, 1.3.6.1.5.5.7.3.2], without codeSigning");
        }

        @Test
        void acceptsIntermediateWhoseExtendedKeyUsageAllowsCodeSigningOrAnything() {
            for (ExtendedKeyUsage allowed : List.of(ExtendedKeyUsage.CODE_SIGNING, ExtendedKeyUsage.ANY)) {
                IssuedCertificate ca = PKI.root.issuer().subject("CA for " + allowed).ca()
                        .extendedKeyUsage(ExtendedKeyUsage.SERVER_AUTH, allowed).issue();
                IssuedCertificate leaf = ca.issuer().subject("leaf of " + allowed).issue();
                assertThat(verify(CmsSigner.sign(MANIFEST, List.of(leaf.signingKey(ca.certificate())))))
                        .as(allowed.name()).containsExactly(leaf.certificate());
            }
        }
    }

    @Nested
    class WhenAlgorithmsAreWeak {

        @Test
        void rejectsSignerCertificateSignedWithSha1() {
            IssuedCertificate leaf = PKI.signers().subject("sha1").signatureAlgorithm("SHA1withECDSA").issue();
            SignatureException e = failureOf(leaf);
            assertThat(e.reason()).isEqualTo(Reason.WEAK_ALGORITHM);
            assertThat(e.getMessage()).contains("signer \"CN=sha1\" is signed with SHA1withECDSA");
        }

        @Test
        void rejectsSignatureWithSha1Digest() throws Exception {
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                    new JcaDigestCalculatorProviderBuilder().build())
                    .build(new JcaContentSignerBuilder("SHA1withECDSA").build(PKI.signer.privateKey()),
                            PKI.signer.certificate()));
            generator.addCertificates(new JcaCertStore(List.of(PKI.signer.certificate(), PKI.intermediate.certificate())));
            byte[] signature = generator.generate(new CMSProcessableByteArray(MANIFEST), false).getEncoded(ASN1Encoding.DER);
            SignatureException e = failure(signature);
            assertThat(e.reason()).isEqualTo(Reason.WEAK_ALGORITHM);
            assertThat(e.getMessage()).contains("uses digest SHA-1");
        }

        @Test
        void rejectsRsa1024Signer() {
            IssuedCertificate leaf = PKI.signers().subject("rsa1024").rsaKey(1024).issue();
            SignatureException e = failureOf(leaf);
            assertThat(e.reason()).isEqualTo(Reason.WEAK_ALGORITHM);
            assertThat(e.getMessage()).contains("has a 1024-bit RSA key");
        }

        @Test
        void rejectsRsa1024IntermediateAnywhereInThePath() {
            IssuedCertificate weakCa = PKI.root.issuer().subject("weak CA").rsaKey(1024).ca().issue();
            IssuedCertificate leaf = weakCa.issuer().subject("leaf").issue();
            SignatureException e = failure(CmsSigner.sign(MANIFEST, List.of(leaf.signingKey(weakCa.certificate()))));
            assertThat(e.reason()).isEqualTo(Reason.WEAK_ALGORITHM);
            assertThat(e.getMessage()).contains("certificate \"CN=weak CA\" has a 1024-bit RSA key");
        }

        @Test
        void namesTheRefusedSignatureAlgorithmOfASignerInfo() {
            // The digest is SHA-256; only the SignerInfo's signature algorithm is old.
            byte[] genuine = PKI.sign(MANIFEST, PKI.signer);
            for (var refused : List.of(List.of(X9ObjectIdentifiers.ecdsa_with_SHA1, "ECDSA with SHA-1"),
                    List.of(PKCSObjectIdentifiers.sha1WithRSAEncryption, "SHA-1 with RSA"),
                    List.of(PKCSObjectIdentifiers.md5WithRSAEncryption, "MD5 with RSA"),
                    List.of(new ASN1ObjectIdentifier("1.2.840.10040.4.3"), "1.2.840.10040.4.3"))) {
                SignatureException e = failure(claimingAlgorithm(genuine,
                        new AlgorithmIdentifier((ASN1ObjectIdentifier) refused.get(0))));
                assertThat(e.reason()).isEqualTo(Reason.WEAK_ALGORITHM);
                assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=acme signer\" uses signature algorithm "
                        + refused.get(1) + ", which tandem does not accept");
            }
        }

        @Test
        void rejectsSignerWithADsaKeyNamingItsType() throws Exception {
            KeyPairGenerator dsa = KeyPairGenerator.getInstance("DSA");
            dsa.initialize(2048);
            KeyPair pair = dsa.generateKeyPair();
            IssuedCertificate leaf = PKI.signers().subject("dsa signer").keyPair(pair).issue();
            byte[] signature = signWith("SHA256withDSA", null, pair.getPrivate(), leaf.certificate(),
                    PKI.intermediate.certificate());
            String dsaOid = new CMSSignedData(signature).getSignerInfos().iterator().next().getEncryptionAlgOID();
            assertThat(failure(signature).getMessage()).isEqualTo("signature: signer \"CN=dsa signer\" uses"
                    + " signature algorithm " + dsaOid + ", which tandem does not accept");
            // Claiming ECDSA gets as far as the key: its type is refused before the value is looked at.
            SignatureException e = failure(claimingAlgorithm(signature,
                    new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256)));
            assertThat(e.reason()).isEqualTo(Reason.WEAK_ALGORITHM);
            assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=dsa signer\" has a DSA key; tandem accepts"
                    + " RSA and EC keys");
        }

        @Test
        void rejectsSignerWithAnEcKeyBelow256Bits() throws Exception {
            Provider bc = BC; // the JDK no longer makes P-224 keys
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC", bc);
            ec.initialize(new ECGenParameterSpec("secp224r1"));
            KeyPair pair = ec.generateKeyPair();
            IssuedCertificate leaf = PKI.signers().subject("p224 signer").publicKey(pair.getPublic()).issue();
            SignatureException e = failure(signWith("SHA256withECDSA", bc, pair.getPrivate(), leaf.certificate(),
                    PKI.intermediate.certificate()));
            assertThat(e.reason()).isEqualTo(Reason.WEAK_ALGORITHM);
            assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=p224 signer\" has a 224-bit EC key"
                    + " (at least 256 bits required)");
        }

        @Test
        void refusesSignerKeysBeyondTheCostLimitsButNotAtThem() throws Exception {
            // Keys without private keys (a signature may bring any): the SignerInfo is signed by another key, so
            // a key within the limits is refused only later, by the check of the value.
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            PrivateKey other = rsa.generateKeyPair().getPrivate();
            SecureRandom random = new SecureRandom();
            for (var limit : List.of(List.of(8192, 32, ""),
                    List.of(8193, 17, "has a 8193-bit RSA key (at most 8192 bits accepted: larger keys make every check slow)"),
                    List.of(2048, 33, "has an RSA key with a 33-bit public exponent (at most 32 bits accepted)"))) {
                int bits = (Integer) limit.get(0);
                int exponentBits = (Integer) limit.get(1);
                BigInteger modulus = new BigInteger(bits, random).setBit(bits - 1).setBit(0);
                BigInteger exponent = BigInteger.ONE.shiftLeft(exponentBits - 1).setBit(0);
                PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent));
                String name = bits + "-bit key with a " + exponentBits + "-bit exponent";
                X509Certificate cert = PKI.signers().subject(name).publicKey(key).issue().certificate();
                SignatureException e = failure(signWith("SHA256withRSA", null, other, cert, PKI.intermediate.certificate()));
                if (limit.get(2).equals("")) {
                    // Not for its size: the value does not verify (or the random modulus is unusable).
                    assertThat(e.reason()).as(name).isIn(Reason.SIGNATURE_MISMATCH, Reason.MALFORMED);
                } else {
                    assertThat(e.reason()).as(name).isEqualTo(Reason.WEAK_ALGORITHM);
                    assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=" + name + "\" " + limit.get(2));
                }
            }
        }

        @Test
        void acceptsRsaPssWithSha256InTheSignerInfoAndTheCertificate() throws Exception {
            IssuedCertificate root = CertificateIssuer.selfSigned().subject("pss root").rsaKey(2048).ca().issue();
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            KeyPair pair = rsa.generateKeyPair();
            X509Certificate leaf = pssSigned(root, "pss signer", "SHA256withRSAandMGF1", pair.getPublic());
            byte[] signature = signWith("SHA256withRSAandMGF1", BC, pair.getPrivate(), leaf);
            assertThat(new CMSSignedData(signature).getSignerInfos().iterator().next().getEncryptionAlgOID())
                    .isEqualTo(PKCSObjectIdentifiers.id_RSASSA_PSS.getId());
            Keyring keyring = Keyring.of(List.of(root.certificate()), List.of());
            assertThat(new CmsVerifier(keyring, TrustPolicy.standard()).verify(MANIFEST, signature))
                    .containsExactly(leaf);
        }

        @Test
        void rejectsACertificateSignedWithRsaPssOverSha1() throws Exception {
            IssuedCertificate root = CertificateIssuer.selfSigned().subject("pss root").rsaKey(2048).ca().issue();
            IssuedCertificate key = PKI.signers().subject("pss sha1").issue(); // only its key pair is used
            X509Certificate leaf = pssSigned(root, "pss sha1", "SHA1withRSAandMGF1", key.certificate().getPublicKey());
            Keyring keyring = Keyring.of(List.of(root.certificate()), List.of());
            SignatureException e = failure(keyring, TrustPolicy.standard(),
                    signWith("SHA256withECDSA", null, key.privateKey(), leaf));
            assertThat(e.reason()).isEqualTo(Reason.WEAK_ALGORITHM);
            assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=pss sha1\" uses RSA-PSS with SHA-1, which is"
                    + " too weak");
        }

        /** A code-signing leaf for {@code key}, signed by {@code issuer} with an RSA-PSS algorithm. */
        private X509Certificate pssSigned(IssuedCertificate issuer, String name, String jcaAlgorithm, PublicKey key)
                throws Exception {
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer.certificate(),
                    BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(30))), new X500Name("CN=" + name), key);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true,
                    new org.bouncycastle.asn1.x509.KeyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature));
            return new JcaX509CertificateConverter().getCertificate(builder.build(
                    new JcaContentSignerBuilder(jcaAlgorithm).setProvider(BC).build(issuer.privateKey())));
        }

        @Test
        void rejectsRsaPssWithUnreadableParameters() {
            byte[] genuine = PKI.sign(MANIFEST, PKI.signer);
            for (AlgorithmIdentifier pss : List.of(new AlgorithmIdentifier(PKCSObjectIdentifiers.id_RSASSA_PSS),
                    new AlgorithmIdentifier(PKCSObjectIdentifiers.id_RSASSA_PSS, DERNull.INSTANCE))) {
                SignatureException e = failure(claimingAlgorithm(genuine, pss));
                assertThat(e.reason()).isEqualTo(Reason.WEAK_ALGORITHM);
                assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=acme signer\" uses RSA-PSS with"
                        + " unreadable parameters");
            }
        }
    }

    @Nested
    class WhenTheSignatureIsBroken {

        @Test
        void rejectsSignatureOverDifferentBytes() {
            byte[] signature = PKI.sign("other bytes".getBytes(StandardCharsets.UTF_8), PKI.signer);
            SignatureException e = failure(signature);
            assertThat(e.reason()).isEqualTo(Reason.SIGNATURE_MISMATCH);
            assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=acme signer\" did not sign this content"
                    + " (message digest differs)");
        }

        @Test
        void rejectsGarbage() {
            SignatureException e = failure("not a signature at all".getBytes(StandardCharsets.UTF_8));
            assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
            assertThat(e.getMessage()).startsWith("signature: the signature is not DER-encoded CMS");
        }

        @Test
        void rejectsEmptyInput() {
            assertThat(failure(new byte[0]).reason()).isEqualTo(Reason.MALFORMED);
        }

        @Test
        void rejectsTrailingBytes() {
            byte[] signature = PKI.sign(MANIFEST, PKI.signer);
            byte[] longer = Arrays.copyOf(signature, signature.length + 2);
            SignatureException e = failure(longer);
            assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
            assertThat(e.getMessage()).contains("trailing bytes");
        }

        @Test
        void rejectsTruncatedSignature() {
            byte[] signature = PKI.sign(MANIFEST, PKI.signer);
            assertThat(failure(Arrays.copyOf(signature, signature.length - 1)).reason()).isEqualTo(Reason.MALFORMED);
        }

        @Test
        void rejectsSignatureLargerThan64KiB() {
            byte[] huge = new byte[64 * 1024 + 1];
            SignatureException e = failure(huge);
            assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
            assertThat(e.getMessage()).contains("more than the 65536 allowed");
        }

        @Test
        void readsASignatureOfExactly64KiB() {
            SignatureException e = failure(new byte[64 * 1024]);
            assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
            assertThat(e.getMessage()).startsWith("signature: the signature ").doesNotContain("allowed");
        }

        @Test
        void rejectsSignatureWithAttachedContent() throws Exception {
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                    new JcaDigestCalculatorProviderBuilder().build())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(PKI.signer.privateKey()),
                            PKI.signer.certificate()));
            byte[] attached = generator.generate(new CMSProcessableByteArray(MANIFEST), true).getEncoded(ASN1Encoding.DER);
            SignatureException e = failure(attached);
            assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
            assertThat(e.getMessage()).contains("must be detached");
        }

        @Test
        void rejectsSignatureWithoutSigners() throws Exception {
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addCertificates(new JcaCertStore(List.of(PKI.signer.certificate())));
            byte[] empty = generator.generate(new CMSProcessableByteArray(MANIFEST), false).getEncoded(ASN1Encoding.DER);
            SignatureException e = failure(empty);
            assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
            assertThat(e.getMessage()).contains("has no signers");
        }

        @Test
        void rejectsSignatureWhoseSignatureValueWasFlipped() {
            byte[] signature = PKI.sign(MANIFEST, PKI.signer);
            signature[signature.length - 10] ^= 0x01; // inside the SignerInfo's signature value, encoded last
            SignatureException e = failure(signature);
            assertThat(e.reason()).isIn(Reason.SIGNATURE_MISMATCH, Reason.MALFORMED);
        }

        @Test
        void neverCrashesNorAcceptsAnotherSignerWhenAnyByteIsFlipped() {
            // Some bytes carry nothing verified (the unused-bits byte of a certificate's signature, say),
            // so a flip there may still verify; what must never happen is another outcome or a crash.
            byte[] signature = PKI.sign(MANIFEST, PKI.signer);
            for (int i = 0; i < signature.length; i += 5) {
                byte[] tampered = signature.clone();
                tampered[i] ^= 0x01;
                try {
                    assertThat(verify(tampered)).as("byte %d flipped", i).singleElement().satisfies(cert -> {
                        assertThat(cert.getPublicKey()).isEqualTo(PKI.signer.certificate().getPublicKey());
                        assertThat(cert.getSubjectX500Principal())
                                .isEqualTo(PKI.signer.certificate().getSubjectX500Principal());
                    });
                } catch (SignatureException expected) {
                    assertThat(expected.getMessage()).startsWith("signature: ").doesNotContain("\n");
                }
            }
        }
    }

    @Nested
    class WhenSeveralSignaturesAreRequired {

        private final IssuedCertificate second = PKI.signers().subject("acme second signer").issue();
        private final TrustPolicy twoOfTwo = new TrustPolicy(Instant.now(), null, true, 2, List.of());

        @Test
        void acceptsTwoDistinctSigners() {
            byte[] signature = CmsSigner.sign(MANIFEST, List.of(PKI.key(PKI.signer), PKI.key(second)));
            assertThat(new CmsVerifier(PKI.keyring(), twoOfTwo).verify(MANIFEST, signature))
                    .containsExactlyInAnyOrder(PKI.signer.certificate(), second.certificate());
        }

        @Test
        void rejectsTwoOfTwoWhenOneIsBadNamingTheBadOnesReason() {
            IssuedCertificate expired = PKI.signers().subject("expired signer")
                    .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1))).issue();
            byte[] signature = CmsSigner.sign(MANIFEST, List.of(PKI.key(PKI.signer), PKI.key(expired)));
            SignatureException e = failure(PKI.keyring(), twoOfTwo, signature);
            assertThat(e.reason()).isEqualTo(Reason.TOO_FEW_SIGNATURES);
            assertThat(e.getMessage()).startsWith("signature: 1 of 2 required distinct signers verified; EXPIRED:"
                    + " signer \"CN=expired signer\" expired on");
            assertThat(e.getSuppressed()).singleElement()
                    .satisfies(s -> assertThat(((SignatureException) s).reason()).isEqualTo(Reason.EXPIRED));
        }

        @Test
        void countsTwoSignaturesByTheSameKeyOnce() {
            byte[] signature = CmsSigner.sign(MANIFEST, List.of(PKI.key(PKI.signer), PKI.key(PKI.signer)));
            SignatureException e = failure(PKI.keyring(), twoOfTwo, signature);
            assertThat(e.reason()).isEqualTo(Reason.TOO_FEW_SIGNATURES);
            assertThat(new CmsVerifier(PKI.keyring(), TrustPolicy.standard()).verify(MANIFEST, signature))
                    .containsExactly(PKI.signer.certificate());
        }

        @Test
        void rejectsASingleValidSignatureWhenTwoAreRequired() {
            SignatureException e = failure(PKI.keyring(), twoOfTwo, PKI.sign(MANIFEST, PKI.signer));
            assertThat(e.reason()).isEqualTo(Reason.TOO_FEW_SIGNATURES);
        }

        @Test
        void keepsTheSpecificReasonOfASingleFailingSignatureEvenWhenTwoAreRequired() {
            TestPki other = new TestPki("other");
            assertThat(failure(PKI.keyring(), twoOfTwo, other.sign(MANIFEST, other.signer)).reason())
                    .isEqualTo(Reason.NOT_TRUSTED);
        }

        @Test
        void acceptsAFailingExtraSignatureWhenEnoughOthersVerifySoKeyRotationWorks() {
            TestPki retired = new TestPki("retired");
            byte[] signature = CmsSigner.sign(MANIFEST, List.of(retired.key(retired.signer), PKI.key(PKI.signer)));
            assertThat(verify(signature)).containsExactly(PKI.signer.certificate());
        }

        @Test
        void reportsTooFewWhenEverySignatureOfSeveralFails() {
            TestPki other = new TestPki("other");
            byte[] signature = CmsSigner.sign(MANIFEST, List.of(other.key(other.signer), other.key(other.signer)));
            SignatureException e = failure(signature);
            assertThat(e.reason()).isEqualTo(Reason.TOO_FEW_SIGNATURES);
            assertThat(e.getMessage()).startsWith("signature: 0 of 1 required signer verified; NOT_TRUSTED:");
        }
    }

    @Nested
    class WhenSignersAreRestricted {

        private SignatureException failureWith(List<String> allowed) {
            TrustPolicy policy = new TrustPolicy(Instant.now(), null, true, 1, allowed);
            return failure(PKI.keyring(), policy, PKI.sign(MANIFEST, PKI.signer));
        }

        private List<X509Certificate> verifyWith(List<String> allowed) {
            TrustPolicy policy = new TrustPolicy(Instant.now(), null, true, 1, allowed);
            return new CmsVerifier(PKI.keyring(), policy).verify(MANIFEST, PKI.sign(MANIFEST, PKI.signer));
        }

        @Test
        void acceptsSignerWhoseCommonNameIsAllowed() {
            assertThat(verifyWith(List.of("someone else", "acme signer"))).hasSize(1);
        }

        @Test
        void acceptsSignerWhoseDistinguishedNameIsAllowed() {
            assertThat(verifyWith(List.of("cn=acme signer"))).hasSize(1);
        }

        @Test
        void rejectsTrustedSignerThatIsNotAllowed() {
            SignatureException e = failureWith(List.of("acme release 2027"));
            assertThat(e.reason()).isEqualTo(Reason.SIGNER_NOT_ALLOWED);
            assertThat(e.getMessage()).isEqualTo("signature: signer \"CN = acme signer\" is trusted but not among"
                    + " the allowed signers [acme release 2027]");
        }

        @Test
        void doesNotMatchCommonNamePrefixes() {
            assertThat(failureWith(List.of("acme")).reason()).isEqualTo(Reason.SIGNER_NOT_ALLOWED);
        }
    }
}
