package dev.tandem.pki;

import java.io.IOException;
import java.util.Arrays;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfo;
import org.bouncycastle.asn1.cms.SignedData;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;

import dev.tandem.pki.SignatureException.Reason;

/**
 * Parses a detached CMS SignedData strictly, before any cryptography: a signature file is untrusted input,
 * and everything that is not exactly what tandem writes is refused as {@link Reason#MALFORMED}.
 */
final class DetachedSignatureParser {

    /** ARCHITECTURE.md §3: {@code manifest.json.p7s} is at most 64 KiB. */
    static final int MAX_SIGNATURE_BYTES = 64 * 1024;
    /**
     * Each SignerInfo hashes the whole content (a manifest of up to 1 MiB) before its signature is checked, and
     * that hashing is not charged to the chain budget: about 200 RSA SignerInfos fit in 64 KiB, which would be
     * 200 MiB of SHA-256 per bundle. 32 is far more than any signing policy needs (k-of-n with n ≤ 32).
     */
    static final int MAX_SIGNER_INFOS = 32;

    private DetachedSignatureParser() {
    }

    static CMSSignedData parse(byte[] signature, byte[] content) {
        if (signature.length > MAX_SIGNATURE_BYTES) {
            throw malformed("is " + signature.length + " bytes, more than the " + MAX_SIGNATURE_BYTES + " allowed");
        }
        ASN1Primitive top;
        try (ASN1InputStream in = new ASN1InputStream(signature)) {
            top = in.readObject();
            if (top == null) {
                throw malformed("is empty");
            }
            if (in.available() > 0) {
                throw malformed("has trailing bytes after the CMS structure");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof SignatureException se) {
                throw se;
            }
            throw malformed("is not DER-encoded CMS (" + Pem.oneLine(e) + ")");
        }
        try {
            // Require DER, not merely BER: tandem and openssl both write DER, and one canonical encoding
            // leaves no room for parser differentials between tandem, openssl and anything else.
            if (!Arrays.equals(top.getEncoded(ASN1Encoding.DER), signature)) {
                throw malformed("is not in DER (canonical) encoding");
            }
            ContentInfo info = ContentInfo.getInstance(top);
            if (!CMSObjectIdentifiers.signedData.equals(info.getContentType())) {
                throw malformed("is CMS of type " + info.getContentType() + ", not SignedData");
            }
            SignedData signedData = SignedData.getInstance(info.getContent());
            ContentInfo encapsulated = signedData.getEncapContentInfo();
            if (!CMSObjectIdentifiers.data.equals(encapsulated.getContentType())) {
                throw malformed("signs content of type " + encapsulated.getContentType() + ", not data");
            }
            if (encapsulated.getContent() != null) {
                throw malformed("carries its content inside (attached); tandem signatures must be detached");
            }
            if (signedData.getSignerInfos().size() == 0) {
                throw malformed("has no signers");
            }
            if (signedData.getSignerInfos().size() > MAX_SIGNER_INFOS) {
                throw malformed("has " + signedData.getSignerInfos().size() + " signers, more than the "
                        + MAX_SIGNER_INFOS + " allowed");
            }
            CMSSignedData signed = new CMSSignedData(new CMSProcessableByteArray(content), info);
            // Bouncy Castle parses certificates, CRLs and SignerInfos lazily and reports bad ones with
            // unchecked exceptions; parse them all here, so that a bad one is MALFORMED and not a crash later.
            signed.getCertificates().getMatches(null);
            signed.getCRLs().getMatches(null);
            for (SignerInformation signer : signed.getSignerInfos()) {
                signer.getSignedAttributes();
                // RFC 5652 §5.3: version 1 goes with issuerAndSerialNumber, 3 with subjectKeyIdentifier.
                int expected = signer.getSID().getSubjectKeyIdentifier() != null ? 3 : 1;
                if (signer.getVersion() != expected) {
                    throw malformed("has a SignerInfo of version " + signer.getVersion() + " (expected " + expected + ")");
                }
                if (!signed.getDigestAlgorithmIDs().contains(signer.getDigestAlgorithmID())) {
                    throw malformed("does not list a signer's digest algorithm in digestAlgorithms");
                }
            }
            return signed;
        } catch (CMSException | IOException | IllegalArgumentException | IllegalStateException
                 | ClassCastException e) {
            // getInstance() reports structures of the wrong shape with unchecked exceptions.
            throw malformed("is not a CMS SignedData structure (" + Pem.oneLine(e) + ")");
        }
    }

    private static SignatureException malformed(String problem) {
        return new SignatureException(Reason.MALFORMED, "signature: the signature " + problem);
    }
}
