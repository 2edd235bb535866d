package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.cert.CertificateFactory;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.RSAPublicKeySpec;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.Certificate;
import org.junit.jupiter.api.Test;

import dev.tandem.pki.SignatureException.Reason;

/**
 * Chain building on hostile embedded certificates ends quickly with a refusal, while real chains (intermediates,
 * cross-signed diamonds, long chains, several signers) still verify. The certificates are real, signed with Bouncy
 * Castle; nobody needs a trusted key to make any of the hostile ones.
 */
class ChainBuildingBudgetTest {

    private static final TestPki PKI = new TestPki("acme");
    private static final byte[] MANIFEST = "{\"format\":1,\"version\":\"2.1.0\"}".getBytes(StandardCharsets.UTF_8);
    /** Far above the measured time (milliseconds), far below the hours the unbounded search took. */
    private static final Duration BOUND = Duration.ofSeconds(5);

    private static SignatureException refusal(byte[] signature) {
        return assertTimeoutPreemptively(BOUND, () -> catchThrowableOfType(
                () -> new CmsVerifier(PKI.keyring(), TrustPolicy.standard()).verify(MANIFEST, signature),
                SignatureException.class));
    }

    private static List<X509Certificate> verify(TrustPolicy policy, byte[] signature) {
        return assertTimeoutPreemptively(BOUND, () -> new CmsVerifier(PKI.keyring(), policy).verify(MANIFEST, signature));
    }

    static KeyPair ecKey() {
        return ecKey("secp256r1");
    }

    static KeyPair ecKey(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code n} self-issued certificates "CN=loop" with one key: each one issues every other. */
    static List<IssuedCertificate> loop(int n, KeyPair key) {
        List<IssuedCertificate> certs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            certs.add(CertificateIssuer.selfSigned().subject("loop").keyPair(key).noExtensions().issue());
        }
        return certs;
    }

    /** Signed by the first certificate, every other one embedded. */
    static byte[] signedByFirst(List<IssuedCertificate> certs) {
        List<X509Certificate> rest = certs.subList(1, certs.size()).stream().map(IssuedCertificate::certificate).toList();
        return CmsSigner.sign(MANIFEST, List.of(certs.get(0).signingKey(rest.toArray(X509Certificate[]::new))));
    }

    @Test
    void refusesALoopOf40SelfIssuedCertificatesWithOneKeyQuickly() {
        byte[] signature = signedByFirst(loop(40, ecKey()));
        SignatureException e = refusal(signature);
        assertThat(e.reason()).isEqualTo(Reason.NOT_TRUSTED);
        assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=loop\" is not trusted by the keyring"
                + " (no path to a trust anchor: the chain ends at \"CN=loop\", which is not in the keyring)");
    }

    @Test
    void refusesALoopOf200SelfIssuedCertificatesBeforeSearching() {
        byte[] signature = signedByFirst(loop(200, ecKey()));
        assertThat(signature.length).isLessThanOrEqualTo(DetachedSignatureParser.MAX_SIGNATURE_BYTES);
        SignatureException e = refusal(signature);
        assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
        assertThat(e.getMessage()).isEqualTo("signature: the signature embeds 200 certificates, more than the 64 allowed");
    }

    @Test
    void refusesWhenTheSignatureCheckBudgetIsSpent() {
        // Half of the certificates issue each other; the other half carry the same name under other keys, so
        // every certificate reached costs a signature check on each of them.
        KeyPair key = ecKey();
        List<IssuedCertificate> certs = new ArrayList<>(loop(32, key));
        for (int i = 0; i < 32; i++) {
            certs.add(CertificateIssuer.selfSigned().subject("loop").noExtensions().issue());
        }
        SignatureException e = refusal(signedByFirst(certs));
        assertThat(e).isInstanceOf(ChainBudget.GaveUp.class);
        assertThat(e.reason()).isEqualTo(Reason.NOT_TRUSTED);
        assertThat(e.getMessage()).isEqualTo("signature: refused, checking it took more than 1024"
                + " units of certificate signature checks (hostile certificate graph?)");
    }

    @Test
    void oneBudgetServesEverySignerInfo() {
        // 30 SignerInfos (under the cap of 32) by the same loop key, each alone well inside the budget, together not.
        KeyPair key = ecKey();
        List<IssuedCertificate> certs = loop(12, key);
        List<SigningKey> keys = new ArrayList<>();
        X509Certificate[] rest = certs.subList(1, certs.size()).stream().map(IssuedCertificate::certificate)
                .toArray(X509Certificate[]::new);
        for (int i = 0; i < 30; i++) {
            keys.add(certs.get(0).signingKey(rest));
        }
        SignatureException e = refusal(CmsSigner.sign(MANIFEST, keys));
        assertThat(e).isInstanceOf(ChainBudget.GaveUp.class);
        assertThat(e.getMessage()).contains("certificate signature checks");
    }

    /**
     * A signer whose issuer is named like many embedded certificates that carry other keys: each one costs a
     * signature check with its key, and every SignerInfo searches again.
     */
    private static byte[] decoysSignature(int signerInfos, List<PublicKey> decoyKeys) {
        IssuedCertificate hub = CertificateIssuer.selfSigned().subject("hub").ca().issue();
        return decoysSignature(signerInfos, decoyKeys, hub.issuer().subject("decoyed signer").issue());
    }

    private static byte[] decoysSignature(int signerInfos, List<PublicKey> decoyKeys, IssuedCertificate signer) {
        IssuedCertificate stranger = CertificateIssuer.selfSigned().subject("stranger").ca().issue();
        List<X509Certificate> decoys = new ArrayList<>();
        for (PublicKey key : decoyKeys) {
            decoys.add(stranger.issuer().subject("hub").publicKey(key).noExtensions().issue().certificate());
        }
        List<SigningKey> keys = new ArrayList<>();
        for (int i = 0; i < signerInfos; i++) {
            keys.add(signer.signingKey(decoys.toArray(X509Certificate[]::new)));
        }
        return CmsSigner.sign(MANIFEST, keys);
    }

    @Test
    void refusesHugeRsaKeysInEmbeddedCertificatesBeforeCheckingWithThem() throws Exception {
        // A 16384-bit modulus with a 64-bit exponent (the JDK accepts both; no private key is needed): one check
        // took ~110 ms here, and the count budget allowed 256 of them (28 s).
        SecureRandom random = new SecureRandom();
        BigInteger modulus = new BigInteger(16384, random).setBit(16383).setBit(0);
        BigInteger exponent = new BigInteger(64, random).setBit(63).setBit(0);
        PublicKey huge = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent));
        // The signer's certificate claims sha256WithRSA and carries a signature as long as the modulus (random
        // bytes below it), so that the JDK runs the whole modular exponentiation before it fails.
        IssuedCertificate hub = CertificateIssuer.selfSigned().subject("hub").ca().rsaKey(2048).issue();
        IssuedCertificate signer = hub.issuer().subject("decoyed signer").issue();
        byte[] forgedValue = new byte[16384 / 8];
        random.nextBytes(forgedValue);
        forgedValue[0] = 0;
        Certificate parsed = Certificate.getInstance(signer.certificate().getEncoded());
        byte[] forged = new DERSequence(new ASN1Encodable[] {parsed.getTBSCertificate(),
                parsed.getSignatureAlgorithm(), new DERBitString(forgedValue)}).getEncoded();
        X509Certificate forgedCert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(forged));
        IssuedCertificate forgedSigner = new IssuedCertificate(forgedCert, signer.privateKey());
        SignatureException e = refusal(decoysSignature(10, java.util.Collections.nCopies(25, huge), forgedSigner));
        assertThat(e).isInstanceOf(ChainBudget.GaveUp.class);
        assertThat(e.getMessage()).isEqualTo("signature: refused, certificate \"CN=hub\" has a 16384-bit RSA key"
                + " (at most 8192 bits accepted: larger keys make every check slow)");
    }

    @Test
    void countsEachSignatureCheckAtTheCostOfItsKey() {
        // P-521 checks cost ~50 RSA-2048 ones (26 ms here): 256 of them, as a plain count allowed, took 6 s.
        List<PublicKey> keys = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            keys.add(ecKey("secp521r1").getPublic());
        }
        SignatureException e = refusal(decoysSignature(5, keys));
        assertThat(e).isInstanceOf(ChainBudget.GaveUp.class);
        assertThat(e.getMessage()).contains("more than 1024 units of certificate signature checks");
        assertThat(ChainBudget.cost(keys.get(0))).isEqualTo(34);
        assertThat(ChainBudget.cost(PKI.signer.certificate().getPublicKey())).isBetween(1, 8);
    }

    @Test
    void stopsWhenItsThreadIsInterruptedAndKeepsTheFlag() {
        byte[] signature = PKI.sign(MANIFEST, PKI.signer);
        Thread.currentThread().interrupt();
        try {
            SignatureException e = catchThrowableOfType(
                    () -> new CmsVerifier(PKI.keyring(), TrustPolicy.standard()).verify(MANIFEST, signature),
                    SignatureException.class);
            assertThat(e).isNotNull();
            assertThat(e.getMessage()).isEqualTo("signature: verification interrupted");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void acceptsACrossSignedIntermediateWhoseOtherIssuerLeadsNowhere() {
        // Diamond: the signer's CA is certified by the keyring's root and by a root the device does not know,
        // and the untrusted branch is embedded first.
        IssuedCertificate otherRoot = CertificateIssuer.selfSigned().subject("other root").ca().issue();
        KeyPair caKey = ecKey();
        IssuedCertificate viaOther = otherRoot.issuer().subject("release CA").ca().keyPair(caKey).issue();
        IssuedCertificate viaRoot = PKI.root.issuer().subject("release CA").ca().keyPair(caKey).issue();
        IssuedCertificate leaf = viaRoot.issuer().subject("release signer").issue();
        byte[] signature = CmsSigner.sign(MANIFEST, List.of(leaf.signingKey(viaOther.certificate(),
                otherRoot.certificate(), viaRoot.certificate())));
        assertThat(verify(TrustPolicy.standard(), signature)).containsExactly(leaf.certificate());
    }

    @Test
    void acceptsALongChainAmongSameNamedDecoys() {
        // Root, six CAs, signer: near the depth limit, with certificates named like each CA under other keys.
        List<X509Certificate> embedded = new ArrayList<>();
        IssuedCertificate ca = PKI.root;
        for (int i = 1; i <= 6; i++) {
            embedded.add(CertificateIssuer.selfSigned().subject("level " + i).ca().issue().certificate());
            ca = ca.issuer().subject("level " + i).ca().issue();
            embedded.add(ca.certificate());
        }
        IssuedCertificate leaf = ca.issuer().subject("deep signer").issue();
        byte[] signature = CmsSigner.sign(MANIFEST, List.of(leaf.signingKey(embedded.toArray(X509Certificate[]::new))));
        assertThat(verify(TrustPolicy.standard(), signature)).containsExactly(leaf.certificate());
    }

    @Test
    void acceptsSeveralSignersBesideALoopOfAnUntrustedKey() {
        IssuedCertificate second = PKI.signers().subject("acme second signer").issue();
        List<IssuedCertificate> loop = loop(40, ecKey());
        X509Certificate[] rest = loop.subList(1, loop.size()).stream().map(IssuedCertificate::certificate)
                .toArray(X509Certificate[]::new);
        byte[] signature = CmsSigner.sign(MANIFEST, List.of(PKI.key(PKI.signer), loop.get(0).signingKey(rest),
                PKI.key(second)));
        TrustPolicy twoOfThree = new TrustPolicy(Instant.now(), null, true, 2, List.of());
        assertThat(verify(twoOfThree, signature)).containsExactlyInAnyOrder(PKI.signer.certificate(), second.certificate());
    }

    @Test
    void namesAFewOfManyFailingSignersInOneShortLine() {
        // 20 SignerInfos over a small loop: inside the budget, each refused on its own.
        List<IssuedCertificate> certs = loop(4, ecKey());
        X509Certificate[] rest = certs.subList(1, certs.size()).stream().map(IssuedCertificate::certificate)
                .toArray(X509Certificate[]::new);
        List<SigningKey> keys = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.add(certs.get(0).signingKey(rest));
        }
        SignatureException e = refusal(CmsSigner.sign(MANIFEST, keys));
        assertThat(e.reason()).isEqualTo(Reason.TOO_FEW_SIGNATURES);
        assertThat(e.getMessage()).startsWith("signature: 0 of 1 required signer verified; NOT_TRUSTED: signer")
                .endsWith("; and 16 more failing signers").hasSizeLessThan(1000);
        assertThat(e.getSuppressed()).hasSize(20);
    }

    @Test
    void refusesMoreSignerInfosThanAnyPolicyNeedsBeforeHashingForEach() {
        // Each SignerInfo would hash the whole manifest again; 33 cheap EC signers stay far below 64 KiB.
        List<SigningKey> keys = new ArrayList<>();
        for (int i = 0; i < DetachedSignatureParser.MAX_SIGNER_INFOS + 1; i++) {
            keys.add(PKI.key(PKI.signer));
        }
        SignatureException e = refusal(CmsSigner.sign(MANIFEST, keys));
        assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
        assertThat(e.getMessage()).isEqualTo("signature: the signature has 33 signers, more than the 32 allowed");
    }

    @Test
    void acceptsAsManySignerInfosAsAllowed() {
        List<SigningKey> keys = new ArrayList<>();
        for (int i = 0; i < DetachedSignatureParser.MAX_SIGNER_INFOS; i++) {
            keys.add(PKI.key(PKI.signer));
        }
        assertThat(verify(TrustPolicy.standard(), CmsSigner.sign(MANIFEST, keys))).containsExactly(PKI.signer.certificate());
    }

    @Test
    void namesUpToFourFailingSignersWithoutACountOfTheRest() {
        TestPki other = new TestPki("other");
        List<SigningKey> keys = new ArrayList<>();
        for (int i = 0; i < CmsVerifier.MAX_FAILURES_NAMED; i++) {
            keys.add(other.key(other.signer));
        }
        SignatureException e = refusal(CmsSigner.sign(MANIFEST, keys));
        assertThat(e.reason()).isEqualTo(Reason.TOO_FEW_SIGNATURES);
        assertThat(e.getMessage()).doesNotContain("more failing signers")
                .endsWith("NOT_TRUSTED: signer \"CN=other signer\" is not trusted by the keyring (no path to a trust"
                        + " anchor: the chain ends at \"CN=other intermediate\", whose issuer \"CN=other root\" is not"
                        + " in the keyring)");
        assertThat(e.getSuppressed()).hasSize(CmsVerifier.MAX_FAILURES_NAMED);
    }

    @Test
    void countsTheCheckOfEachSignerInfoAgainstTheBudget() {
        // 32 P-521 SignerInfos (34 units each) below the root (8 units for its check): 1344 units, most of
        // them the SignerInfos' own checks over the content.
        IssuedCertificate p521 = PKI.root.issuer().subject("p521 signer").ecKey("secp521r1").issue();
        List<SigningKey> keys = new ArrayList<>();
        for (int i = 0; i < DetachedSignatureParser.MAX_SIGNER_INFOS; i++) {
            keys.add(p521.signingKey());
        }
        SignatureException e = refusal(CmsSigner.sign(MANIFEST, keys));
        assertThat(e).isInstanceOf(ChainBudget.GaveUp.class);
        assertThat(e.getMessage()).isEqualTo("signature: refused, checking it took more than 1024 units of"
                + " certificate signature checks (hostile certificate graph?)");
    }

    @Test
    void countsEveryComparisonWithAnAnchorAgainstTheBudget() {
        // 32 SignerInfos of an untrusted signer, each compared with 300 anchors at two depths: 19,392
        // candidate checks, with only 512 units of signature checks.
        KeyPair shared = ecKey();
        List<X509Certificate> anchors = new ArrayList<>(List.of(PKI.root.certificate()));
        for (int i = 0; i < 299; i++) {
            anchors.add(CertificateIssuer.selfSigned().subject("anchor " + i).keyPair(shared).ca().issue().certificate());
        }
        TestPki other = new TestPki("other");
        List<SigningKey> keys = new ArrayList<>();
        for (int i = 0; i < DetachedSignatureParser.MAX_SIGNER_INFOS; i++) {
            keys.add(other.key(other.signer));
        }
        byte[] signature = CmsSigner.sign(MANIFEST, keys);
        SignatureException e = assertTimeoutPreemptively(BOUND, () -> catchThrowableOfType(() -> new CmsVerifier(
                Keyring.of(anchors, List.of()), TrustPolicy.standard()).verify(MANIFEST, signature),
                SignatureException.class));
        assertThat(e).isInstanceOf(ChainBudget.GaveUp.class);
        assertThat(e.getMessage()).isEqualTo("signature: refused, finding the signer's chain took more than 16384"
                + " issuer candidate checks (hostile certificate graph?)");
    }
}
