package dev.tandem.pki;

import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;

import dev.tandem.pki.SignatureException.Reason;

/**
 * Verifies a detached CMS signature over content against a {@link Keyring} and a {@link TrustPolicy}.
 *
 * <p>Each SignerInfo is judged on its own: signature over the content, algorithms, chain to an anchor,
 * revocation, validity at max(now, time floor), key usage, allowed signers. Signers that pass are counted
 * by distinct public key, so one key signing twice counts once. The signature is accepted when at least
 * {@code signaturesRequired} distinct keys pass.
 *
 * <p>A failing signer beside enough passing ones does not fail the signature. That is deliberate: during
 * a key rotation a bundle is signed by the old and the new key, and devices that trust only one of them
 * (or whose CRL revokes the old one) must still accept it. The failures are kept as suppressed exceptions
 * when the count falls short.
 *
 * <p>Errors: a signature with one SignerInfo fails with that signer's own reason (EXPIRED, REVOKED, …);
 * with several, too few passing is {@link Reason#TOO_FEW_SIGNATURES}, whose message names each failure.
 * Immutable and thread-safe; one instance can verify many signatures.
 */
public final class CmsVerifier {

    /** Failing signers a TOO_FEW_SIGNATURES message names; the rest are counted (all are attached as suppressed). */
    static final int MAX_FAILURES_NAMED = 4;

    private final TrustPolicy policy;
    private final ChainValidator chains;

    public CmsVerifier(Keyring keyring, TrustPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.chains = new ChainValidator(Objects.requireNonNull(keyring, "keyring"), policy);
    }

    /**
     * @return the certificates of the signers that counted, one per distinct public key, in SignerInfo order
     * @throws SignatureException with a {@link SignatureException.Reason} when the policy is not met
     */
    public List<X509Certificate> verify(byte[] content, byte[] detachedSignature) {
        CMSSignedData signed = DetachedSignatureParser.parse(detachedSignature, content);
        List<X509Certificate> embedded = embeddedCertificates(signed);
        ChainBudget budget = new ChainBudget();
        Map<ByteBuffer, X509Certificate> counted = new LinkedHashMap<>();
        List<SignatureException> failures = new ArrayList<>();
        for (SignerInformation signer : signed.getSignerInfos()) {
            try {
                // An interrupt is noticed by the budget, at every signature check before the work is done.
                X509Certificate cert = SignerCheck.embeddedCertificate(signed, signer);
                SignerCheck.verifyContentSignature(signer, cert, budget);
                chains.validate(cert, embedded, budget);
                checkAllowed(cert);
                counted.putIfAbsent(ByteBuffer.wrap(cert.getPublicKey().getEncoded()), cert);
            } catch (ChainBudget.GaveUp e) {
                throw e;
            } catch (SignatureException e) {
                failures.add(e);
            } catch (RuntimeException e) {
                // Untrusted input must never escape as anything but a SignatureException.
                failures.add(new SignatureException(Reason.MALFORMED, "signature: unreadable SignerInfo ("
                        + Pem.oneLine(e) + ")", e));
            }
        }
        int required = policy.signaturesRequired();
        if (counted.size() >= required) {
            return List.copyOf(counted.values());
        }
        if (signed.getSignerInfos().size() == 1 && failures.size() == 1) {
            throw failures.get(0);
        }
        StringBuilder message = new StringBuilder("signature: ").append(counted.size()).append(" of ")
                .append(required).append(required == 1 ? " required signer" : " required distinct signers")
                .append(" verified");
        // Named one by one up to a few: a hostile signature may hold hundreds of SignerInfos.
        for (SignatureException failure : failures.subList(0, Math.min(failures.size(), MAX_FAILURES_NAMED))) {
            message.append("; ").append(failure.reason()).append(": ")
                    .append(failure.getMessage().replaceFirst("^signature: ", ""));
        }
        if (failures.size() > MAX_FAILURES_NAMED) {
            message.append("; and ").append(failures.size() - MAX_FAILURES_NAMED).append(" more failing signers");
        }
        SignatureException tooFew = new SignatureException(Reason.TOO_FEW_SIGNATURES, message.toString());
        failures.forEach(tooFew::addSuppressed);
        throw tooFew;
    }

    private void checkAllowed(X509Certificate cert) {
        if (policy.allowedSigners().isEmpty()) {
            return;
        }
        for (String entry : policy.allowedSigners()) {
            if (SubjectName.matches(cert, entry)) {
                return;
            }
        }
        // The subject as openssl prints it: what an integrator compares with, and may copy into the list.
        throw new SignatureException(Reason.SIGNER_NOT_ALLOWED, "signature: signer \"" + SubjectName.openSsl(cert)
                + "\" is trusted but not among the allowed signers " + policy.allowedSigners());
    }

    private static List<X509Certificate> embeddedCertificates(CMSSignedData signed) {
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        Collection<X509CertificateHolder> holders = signed.getCertificates().getMatches(null);
        if (holders.size() > ChainBudget.MAX_EMBEDDED_CERTIFICATES) {
            throw new SignatureException(Reason.MALFORMED, "signature: the signature embeds " + holders.size()
                    + " certificates, more than the " + ChainBudget.MAX_EMBEDDED_CERTIFICATES + " allowed");
        }
        for (X509CertificateHolder holder : holders) {
            try {
                certs.add(converter.getCertificate(holder));
            } catch (CertificateException e) {
                throw new SignatureException(Reason.MALFORMED, "signature: an embedded certificate is unreadable ("
                        + Pem.oneLine(e) + ")", e);
            }
        }
        return certs;
    }
}
