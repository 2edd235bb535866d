package dev.tandem.pki;

import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.util.CollectionStore;

/**
 * Makes detached CMS SignedData (SHA-256) over a byte array, one SignerInfo per key, with the signer
 * certificates and their intermediates embedded once each. Signed attributes: content-type, message-digest,
 * signing-time (and Bouncy Castle's CMS algorithm protection). The output is DER, as {@link CmsVerifier}
 * requires and {@code openssl cms -verify -inform DER} reads.
 *
 * <p>To drop a signer, sign anew with the keys that remain: a signature has no other state worth keeping.
 */
public final class CmsSigner {

    private CmsSigner() {
    }

    /** DER-encoded detached SignedData over {@code content}, signed by every key, certificates embedded. */
    public static byte[] sign(byte[] content, List<SigningKey> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("at least one signing key is needed");
        }
        return generate(content, null, keys);
    }

    /**
     * Adds SignerInfos by {@code keys} to an existing detached signature over {@code content}, keeping its
     * SignerInfos and certificates (for {@code tandem bundle resign --add}). The existing signatures must
     * verify over {@code content} (cryptographically; trust is the device's business), so that a signature
     * for other bytes is never extended.
     *
     * @throws SignatureException MALFORMED if {@code existingSignature} is not a detached signature tandem
     *                            accepts, SIGNATURE_MISMATCH if an existing signer did not sign {@code content}
     */
    public static byte[] addSigners(byte[] existingSignature, byte[] content, List<SigningKey> keys) {
        CMSSignedData existing = DetachedSignatureParser.parse(existingSignature, content);
        ChainBudget budget = new ChainBudget(); // the existing signature is as bounded as one being verified
        for (SignerInformation signer : existing.getSignerInfos()) {
            X509Certificate cert = SignerCheck.embeddedCertificate(existing, signer);
            SignerCheck.verifyContentSignature(signer, cert, budget);
        }
        return generate(content, existing, keys);
    }

    private static byte[] generate(byte[] content, CMSSignedData existing, List<SigningKey> keys) {
        try {
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            // Keyed by DER so that a certificate shared by several signers (an intermediate, or one key
            // used twice) is embedded once.
            Map<String, X509CertificateHolder> certs = new LinkedHashMap<>();
            if (existing != null) {
                for (X509CertificateHolder holder : existing.getCertificates().getMatches(null)) {
                    certs.putIfAbsent(Base64.getEncoder().encodeToString(holder.getEncoded()), holder);
                }
                generator.addSigners(existing.getSignerInfos());
                generator.addCRLs(existing.getCRLs());
            }
            for (SigningKey key : keys) {
                List<X509Certificate> chain = new ArrayList<>();
                chain.add(key.certificate());
                chain.addAll(key.intermediates());
                for (X509Certificate cert : chain) {
                    X509CertificateHolder holder = new JcaX509CertificateHolder(cert);
                    certs.putIfAbsent(Base64.getEncoder().encodeToString(holder.getEncoded()), holder);
                }
                generator.addSignerInfoGenerator(
                        new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                                .build(key.contentSigner(), key.certificate()));
            }
            generator.addCertificates(new CollectionStore<>(new ArrayList<>(certs.values())));
            CMSSignedData signed = generator.generate(new CMSProcessableByteArray(content), false);
            return signed.getEncoded(ASN1Encoding.DER);
        } catch (CMSException | OperatorCreationException | CertificateEncodingException | IOException e) {
            throw new IllegalStateException("cannot make CMS signature: " + Pem.oneLine(e), e);
        }
    }
}
