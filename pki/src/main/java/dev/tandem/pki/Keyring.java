package dev.tandem.pki;

import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The device's trust anchors: a PEM file of X.509 certificates (trust anchors) and, optionally, CRLs.
 * A CRL is authoritative for its issuer; issuers without a CRL are not revocation-checked (DESIGN §3).
 */
public final class Keyring {

    /** Loads a PEM keyring; {@link KeyMaterialException} names the file and the problem. */
    public static Keyring load(Path pemFile) {
        throw new UnsupportedOperationException("stub");
    }

    public List<X509Certificate> anchors() {
        throw new UnsupportedOperationException("stub");
    }

    public List<X509CRL> crls() {
        throw new UnsupportedOperationException("stub");
    }
}
