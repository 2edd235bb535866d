package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1Set;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.IssuerAndSerialNumber;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.asn1.cms.SignerInfo;
import org.bouncycastle.asn1.cms.Time;
import org.junit.jupiter.api.Test;

import dev.tandem.pki.SignatureException.Reason;

/**
 * Signatures whose certificate chain is the trusted one but whose signature value or signed attributes were
 * changed without the key, or whose content differs: each must be refused. A verifier that skipped the check
 * of the signature value, or the comparison of the content's digest, fails several of these tests.
 */
class SignatureBypassTest {

    private static final TestPki PKI = new TestPki("acme");
    private static final TestPki OTHER = new TestPki("other");
    private static final byte[] MANIFEST = "{\"format\":1,\"version\":\"2.1.0\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FORGED_MANIFEST = "{\"format\":1,\"version\":\"9.9.9\"}".getBytes(StandardCharsets.UTF_8);

    private static SignatureException refusal(byte[] content, byte[] signature) {
        SignatureException e = catchThrowableOfType(() -> new CmsVerifier(PKI.keyring(), TrustPolicy.standard())
                .verify(content, signature), SignatureException.class);
        assertThat(e).as("must be refused").isNotNull();
        return e;
    }

    /** The signature with its one SignerInfo rewritten; everything else (certificates included) kept. */
    static byte[] withSignerInfo(byte[] signature, UnaryOperator<SignerInfo> change) {
        ContentInfo info = ContentInfo.getInstance(signature);
        SignedData sd = SignedData.getInstance(info.getContent());
        ASN1EncodableVector infos = new ASN1EncodableVector();
        for (ASN1Encodable e : sd.getSignerInfos()) {
            infos.add(change.apply(SignerInfo.getInstance(e)));
        }
        SignedData changed = new SignedData(sd.getDigestAlgorithms(), sd.getEncapContentInfo(), sd.getCertificates(),
                sd.getCRLs(), new DERSet(infos));
        try {
            return new ContentInfo(CMSObjectIdentifiers.signedData, changed).getEncoded(ASN1Encoding.DER);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static SignerInfo withValue(SignerInfo si, byte[] value) {
        return new SignerInfo(si.getSID(), si.getDigestAlgorithm(), si.getAuthenticatedAttributes(),
                si.getDigestEncryptionAlgorithm(), new DEROctetString(value), si.getUnauthenticatedAttributes());
    }

    static SignerInfo withAttributes(SignerInfo si, ASN1Set attributes) {
        return new SignerInfo(si.getSID(), si.getDigestAlgorithm(), attributes, si.getDigestEncryptionAlgorithm(),
                si.getEncryptedDigest(), si.getUnauthenticatedAttributes());
    }

    /** The signed attributes with {@code type}'s value replaced. */
    static ASN1Set replaceAttribute(ASN1Set attributes, org.bouncycastle.asn1.ASN1ObjectIdentifier type,
                                    ASN1Encodable value) {
        ASN1EncodableVector out = new ASN1EncodableVector();
        for (ASN1Encodable e : attributes) {
            Attribute a = Attribute.getInstance(e);
            out.add(a.getAttrType().equals(type) ? new Attribute(type, new DERSet(value)) : a);
        }
        return new DERSet(out);
    }

    /** An ECDSA value (r, s) with s + 1: still well-formed DER, no longer the key's signature. */
    static byte[] nudgedEcdsa(byte[] value) {
        ASN1Sequence rs = ASN1Sequence.getInstance(value);
        BigInteger r = ASN1Integer.getInstance(rs.getObjectAt(0)).getValue();
        BigInteger s = ASN1Integer.getInstance(rs.getObjectAt(1)).getValue();
        try {
            return new DERSequence(new ASN1Encodable[] {new ASN1Integer(r), new ASN1Integer(s.add(BigInteger.ONE))})
                    .getEncoded(ASN1Encoding.DER);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] genuine() {
        return PKI.sign(MANIFEST, PKI.signer);
    }

    @Test
    void theGenuineSignatureVerifies() {
        assertThat(new CmsVerifier(PKI.keyring(), TrustPolicy.standard()).verify(MANIFEST, genuine()))
                .containsExactly(PKI.signer.certificate());
    }

    @Test
    void refusesAWellFormedButWrongSignatureValue() {
        byte[] forged = withSignerInfo(genuine(), si -> withValue(si, nudgedEcdsa(si.getEncryptedDigest().getOctets())));
        SignatureException e = refusal(MANIFEST, forged);
        assertThat(e.reason()).isEqualTo(Reason.SIGNATURE_MISMATCH);
        assertThat(e.getMessage()).isEqualTo("signature: signer \"CN=acme signer\" did not sign this content"
                + " (signature does not verify)");
    }

    @Test
    void refusesTheSignatureValueOfAnotherKeyOverTheSameSignedAttributes() throws Exception {
        byte[] forged = withSignerInfo(genuine(), si -> {
            try {
                Signature ecdsa = Signature.getInstance("SHA256withECDSA");
                ecdsa.initSign(OTHER.signer.privateKey());
                ecdsa.update(si.getAuthenticatedAttributes().getEncoded(ASN1Encoding.DER));
                return withValue(si, ecdsa.sign());
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
        assertThat(refusal(MANIFEST, forged).reason()).isEqualTo(Reason.SIGNATURE_MISMATCH);
    }

    @Test
    void refusesOtherContentWhoseDigestWasPutIntoTheSignedAttributesWithoutSigning() {
        byte[] forged = withSignerInfo(genuine(), si -> withAttributes(si, replaceAttribute(
                si.getAuthenticatedAttributes(), CMSAttributes.messageDigest, new DEROctetString(sha256(FORGED_MANIFEST)))));
        SignatureException e = refusal(FORGED_MANIFEST, forged);
        assertThat(e.reason()).isEqualTo(Reason.SIGNATURE_MISMATCH);
        assertThat(e.getMessage()).endsWith("(signature does not verify)");
    }

    @Test
    void refusesAChangedSigningTimeWithoutSigning() {
        byte[] forged = withSignerInfo(genuine(), si -> withAttributes(si, replaceAttribute(
                si.getAuthenticatedAttributes(), CMSAttributes.signingTime, new Time(java.util.Date.from(
                        Instant.parse("2030-01-01T00:00:00Z"))))));
        assertThat(refusal(MANIFEST, forged).reason()).isEqualTo(Reason.SIGNATURE_MISMATCH);
    }

    @Test
    void refusesContentThatDiffersFromWhatWasSigned() {
        SignatureException e = refusal(FORGED_MANIFEST, genuine());
        assertThat(e.reason()).isEqualTo(Reason.SIGNATURE_MISMATCH);
        assertThat(e.getMessage()).endsWith("(message digest differs)");
    }

    @Test
    void refusesContentWithOneByteChangedAddedOrRemoved() {
        byte[] signature = genuine();
        byte[] flipped = MANIFEST.clone();
        flipped[flipped.length / 2] ^= 0x20;
        for (byte[] content : List.of(flipped, Arrays.copyOf(MANIFEST, MANIFEST.length + 1),
                Arrays.copyOf(MANIFEST, MANIFEST.length - 1), new byte[0])) {
            assertThat(refusal(content, signature).reason()).isEqualTo(Reason.SIGNATURE_MISMATCH);
        }
    }

    @Test
    void refusesAForgedTrustedSignerBesideAValidUntrustedOne() {
        // Two SignerInfos: the trusted one forged, the other genuine but from a key the keyring does not trust.
        byte[] both = CmsSigner.sign(MANIFEST, List.of(PKI.key(PKI.signer), OTHER.key(OTHER.signer)));
        byte[] forged = withSignerInfo(both, si -> IssuerAndSerialNumber.getInstance(si.getSID().getId())
                .getSerialNumber().getValue().equals(PKI.signer.certificate().getSerialNumber())
                ? withValue(si, nudgedEcdsa(si.getEncryptedDigest().getOctets())) : si);
        SignatureException e = refusal(MANIFEST, forged);
        assertThat(e.reason()).isEqualTo(Reason.TOO_FEW_SIGNATURES);
        assertThat(e.getMessage()).contains("SIGNATURE_MISMATCH: signer \"CN=acme signer\" did not sign this content");
    }

    @Test
    void refusesASignatureValueCutShortOrEmpty() {
        byte[] cut = withSignerInfo(genuine(), si -> withValue(si,
                Arrays.copyOf(si.getEncryptedDigest().getOctets(), si.getEncryptedDigest().getOctets().length - 3)));
        assertThat(refusal(MANIFEST, cut).reason()).isIn(Reason.SIGNATURE_MISMATCH, Reason.MALFORMED);
        byte[] empty = withSignerInfo(genuine(), si -> withValue(si, new byte[0]));
        assertThat(refusal(MANIFEST, empty).reason()).isIn(Reason.SIGNATURE_MISMATCH, Reason.MALFORMED);
    }

    @Test
    void refusesASignerInfoWhoseSignedAttributesWereRemoved() {
        // Without signed attributes the value would have to sign the content itself; it signed the attributes.
        byte[] stripped = withSignerInfo(genuine(), si -> withAttributes(si, null));
        assertThat(refusal(MANIFEST, stripped).reason()).isIn(Reason.SIGNATURE_MISMATCH, Reason.MALFORMED);
    }

    @Test
    void refusesEverySignerOfOtherContent() {
        byte[] both = CmsSigner.sign(MANIFEST, List.of(PKI.key(PKI.signer), PKI.key(PKI.signers().subject("second").issue())));
        SignatureException e = refusal(FORGED_MANIFEST, both);
        assertThat(e.reason()).isEqualTo(Reason.TOO_FEW_SIGNATURES);
        assertThat(e.getMessage()).startsWith("signature: 0 of 1 required signer verified; SIGNATURE_MISMATCH:");
    }
}
