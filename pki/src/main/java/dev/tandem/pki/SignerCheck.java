package dev.tandem.pki;

import java.security.Provider;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collection;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignerDigestMismatchException;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OperatorCreationException;

import dev.tandem.pki.SignatureException.Reason;

/** The checks on one SignerInfo that need no keyring: its certificate, its algorithms, its signature. */
final class SignerCheck {

    /**
     * Verifies RSA-PSS SignerInfo values. Not the JDK's providers: Bouncy Castle names RSASSA-PSS with a hash
     * ("SHA256WITHRSASSA-PSS"), which the JDK does not know, so every RSA-PSS signature the policy allows
     * was refused as unverifiable. Not registered globally: nothing else in the process changes. Made only
     * when a PSS signature is checked: made for every signature, it raised the peak RSS of every install and
     * `bundle create` by 8 MiB (bench/run.sh: a local install 95 -> 103 MiB), and the JDK verifies RSA PKCS#1
     * v1.5 and ECDSA itself.
     */
    private static final class PssProvider {
        static final Provider INSTANCE = new BouncyCastleProvider();
    }

    private SignerCheck() {
    }

    /** The embedded certificate the SignerInfo names; tandem does not look for signer certificates elsewhere. */
    static X509Certificate embeddedCertificate(CMSSignedData signed, SignerInformation signer) {
        @SuppressWarnings("unchecked")
        Collection<X509CertificateHolder> matches = signed.getCertificates().getMatches(signer.getSID());
        if (matches.isEmpty()) {
            throw new SignatureException(Reason.MALFORMED,
                    "signature: a signer's certificate is not embedded in the signature");
        }
        try {
            return new JcaX509CertificateConverter().getCertificate(matches.iterator().next());
        } catch (CertificateException e) {
            throw new SignatureException(Reason.MALFORMED, "signature: unreadable signer certificate ("
                    + Pem.oneLine(e) + ")", e);
        }
    }

    /**
     * Refuses weak digests, signature algorithms and signer keys, then verifies the signature over the
     * content. Algorithms come first so that a SHA-1 signature is reported as weak, whether or not it verifies.
     */
    static void verifyContentSignature(SignerInformation signer, X509Certificate cert, ChainBudget budget) {
        String who = "signature: signer " + SubjectName.quoted(cert);
        String problem = AlgorithmPolicy.digestProblem(signer.getDigestAlgOID());
        if (problem == null) {
            problem = AlgorithmPolicy.cmsSignatureProblem(signer.getEncryptionAlgOID(), signer.getEncryptionAlgParams());
        }
        if (problem == null) {
            problem = AlgorithmPolicy.costProblem(cert.getPublicKey());
        }
        if (problem == null) {
            problem = AlgorithmPolicy.keyProblem(cert.getPublicKey());
        }
        if (problem != null) {
            throw new SignatureException(Reason.WEAK_ALGORITHM, who + " " + problem);
        }
        budget.signatureCheck(cert.getPublicKey(), who.replaceFirst("^signature: ", ""), false);
        boolean valid;
        try {
            // Built from the public key, not the certificate: with a certificate Bouncy Castle also checks
            // it against the (unauthenticated) signing-time attribute, while tandem judges validity at
            // max(now, time floor) in ChainValidator.
            JcaSimpleSignerInfoVerifierBuilder verifier = new JcaSimpleSignerInfoVerifierBuilder();
            if (PKCSObjectIdentifiers.id_RSASSA_PSS.getId().equals(signer.getEncryptionAlgOID())) {
                verifier.setProvider(PssProvider.INSTANCE);
            }
            valid = signer.verify(verifier.build(cert.getPublicKey()));
        } catch (CMSSignerDigestMismatchException e) {
            throw new SignatureException(Reason.SIGNATURE_MISMATCH, who + " did not sign this content"
                    + " (message digest differs)", e);
        } catch (CMSException | OperatorCreationException | RuntimeException e) {
            throw new SignatureException(Reason.MALFORMED, who + ": unverifiable SignerInfo ("
                    + Pem.oneLine(e) + ")", e);
        }
        if (!valid) {
            throw new SignatureException(Reason.SIGNATURE_MISMATCH, who + " did not sign this content"
                    + " (signature does not verify)");
        }
    }
}
