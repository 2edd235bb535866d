package dev.tandem.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A test PKI made at test time: root → intermediate (pathLen 0) → signers. Keys are generated once per
 * instance, so test classes keep one in a static field.
 */
final class TestPki {

    final IssuedCertificate root;
    final IssuedCertificate intermediate;
    final IssuedCertificate signer;

    TestPki(String name) {
        root = CertificateIssuer.selfSigned().subject(name + " root").ca().issue();
        intermediate = root.issuer().subject(name + " intermediate").ca(0).issue();
        signer = intermediate.issuer().subject(name + " signer").issue();
    }

    /** An issuer for more signers below the intermediate (a code-signing leaf unless told otherwise). */
    CertificateIssuer signers() {
        return intermediate.issuer();
    }

    /** A keyring holding only the root. */
    Keyring keyring(X509CRL... crls) {
        return Keyring.of(List.of(root.certificate()), List.of(crls));
    }

    /** A signing key for a leaf below the intermediate, embedding the intermediate. */
    SigningKey key(IssuedCertificate leaf) {
        return leaf.signingKey(intermediate.certificate());
    }

    /** A detached signature by {@code leaf}, with the intermediate embedded. */
    byte[] sign(byte[] content, IssuedCertificate leaf) {
        return CmsSigner.sign(content, List.of(key(leaf)));
    }

    /** Writes the PEM keyring: root, then CRLs. */
    static Path writeKeyring(Path file, List<X509Certificate> anchors, List<X509CRL> crls) throws IOException {
        List<Object> objects = new ArrayList<>(anchors);
        objects.addAll(crls);
        Files.writeString(file, Pem.encode(List.of("test keyring"), objects));
        return file;
    }

    static TrustPolicy policyAt(Instant now) {
        return new TrustPolicy(now, null, true, 1, List.of());
    }
}
