package dev.tandem.cli;

import dev.tandem.pki.CertificateIssuer;
import dev.tandem.pki.CrlIssuer;
import dev.tandem.pki.IssuedCertificate;
import dev.tandem.pki.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Certificates and keys for the signer tests, written as PEM files the CLI reads: a root CA (the device's
 * keyring), and signers issued from it in every shape that verification must judge.
 */
final class SignerMaterial {

    final Path dir;
    final IssuedCertificate root;

    SignerMaterial(Path dir, String rootName) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.root = CertificateIssuer.selfSigned().subject(rootName).ca().issue();
    }

    /** The root as a keyring file, with {@code crls} appended. */
    Path keyring(String name, java.security.cert.X509CRL... crls) throws IOException {
        StringBuilder pem = new StringBuilder(pem(root.certificate()));
        for (java.security.cert.X509CRL crl : crls) {
            pem.append(CrlIssuer.toPem(crl));
        }
        Path file = dir.resolve(name);
        Files.writeString(file, pem);
        return file;
    }

    /** A signer issued by the root with default (good) settings. */
    IssuedCertificate signer(String name) {
        return root.issuer().subject(name).issue();
    }

    /** Writes {@code cert} (and {@code intermediates} after it) and its key; returns {certPem, keyPem}. */
    Path[] write(String name, IssuedCertificate cert, X509Certificate... intermediates) throws IOException {
        Path certFile = dir.resolve(name + ".pem");
        Path keyFile = dir.resolve(name + ".key");
        List<X509Certificate> chain = new ArrayList<>(List.of(cert.certificate()));
        chain.addAll(Arrays.asList(intermediates));
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : chain) {
            pem.append(pem(c));
        }
        Files.writeString(certFile, pem);
        cert.writePrivateKey(keyFile);
        return new Path[] {certFile, keyFile};
    }

    static SigningKey key(IssuedCertificate cert, X509Certificate... intermediates) {
        return cert.signingKey(intermediates);
    }

    static String pem(X509Certificate cert) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(cert.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
