package dev.tandem.pki;

import java.security.cert.X509Certificate;
import java.util.List;

/** Verifies a detached CMS signature over content against a {@link Keyring} and a {@link TrustPolicy}. */
public final class CmsVerifier {

    public CmsVerifier(Keyring keyring, TrustPolicy policy) {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * @return the certificates of the signers that counted
     * @throws SignatureException with a {@link SignatureException.Reason} when the policy is not met
     */
    public List<X509Certificate> verify(byte[] content, byte[] detachedSignature) {
        throw new UnsupportedOperationException("stub");
    }
}
