package dev.tandem.pki;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A signer: certificate, the private key that goes with it (a PKCS#8 PEM file or a {@code pkcs11:} URI),
 * and intermediate certificates to embed in the signature.
 */
public final class SigningKey {

    /**
     * @param certificatePem signer certificate (PEM); further certificates in the same file are intermediates
     * @param keyRef         a PEM PKCS#8 private key path, or an RFC 7512 {@code pkcs11:} URI
     */
    public static SigningKey load(Path certificatePem, String keyRef) {
        throw new UnsupportedOperationException("stub");
    }

    public X509Certificate certificate() {
        throw new UnsupportedOperationException("stub");
    }

    public List<X509Certificate> intermediates() {
        throw new UnsupportedOperationException("stub");
    }
}
