package dev.tandem.pki;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A certificate made by {@link CertificateIssuer}, with its private key when the issuer generated it
 * ({@code null} when the certificate was issued for an existing public key, e.g. one inside a PKCS#11 token).
 *
 * @param certificate the new certificate
 * @param privateKey  its private key, or null
 */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey) {

    public IssuedCertificate {
        Objects.requireNonNull(certificate, "certificate");
    }

    /** An issuer that signs with this certificate and key (which should be a CA). */
    public CertificateIssuer issuer() {
        return CertificateIssuer.signedBy(this);
    }

    /** A signing key for {@link CmsSigner}, embedding {@code intermediates} in signatures. */
    public SigningKey signingKey(X509Certificate... intermediates) {
        return SigningKey.of(certificate, requireKey(), List.of(intermediates));
    }

    /** Writes the certificate as PEM, preceded by {@code comments} as "# " lines; refuses to overwrite. */
    public void writeCertificate(Path file, String... comments) {
        Pem.writeNew(file, Pem.encode(List.of(comments), List.of(certificate)), false);
    }

    /** Writes the private key as unencrypted PKCS#8 PEM with mode 0600; refuses to overwrite. */
    public void writePrivateKey(Path file, String... comments) {
        Pem.writeNew(file, Pem.encode(List.of(comments), List.of(requireKey())), true);
    }

    private PrivateKey requireKey() {
        if (privateKey == null) {
            throw new IllegalStateException("certificate " + SubjectName.of(certificate)
                    + " was issued for an external public key; its private key is not here");
        }
        return privateKey;
    }
}
