package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateIssuerTest {

    @TempDir
    Path dir;

    @Test
    void issuesARootWithCaConstraintsAndAPathLengthLimitedIntermediate() throws Exception {
        IssuedCertificate root = CertificateIssuer.selfSigned().subject("root").ca().issue();
        IssuedCertificate intermediate = root.issuer().subject("intermediate").ca(0).issue();
        root.certificate().verify(root.certificate().getPublicKey());
        intermediate.certificate().verify(root.certificate().getPublicKey());
        assertThat(root.certificate().getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
        assertThat(intermediate.certificate().getBasicConstraints()).isZero();
        assertThat(intermediate.certificate().getExtendedKeyUsage()).isNull();
    }

    @Test
    void issuesCodeSigningLeavesByDefault() throws Exception {
        IssuedCertificate root = CertificateIssuer.selfSigned().ca().issue();
        X509Certificate leaf = root.issuer().subjectDn("CN=release 2026,O=Acme").issue().certificate();
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getKeyUsage()[0]).isTrue();
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.3");
        assertThat(SubjectName.of(leaf)).isEqualTo("CN=release 2026,O=Acme");
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void honoursValiditySerialAndSignatureAlgorithm() {
        IssuedCertificate root = CertificateIssuer.selfSigned().rsaKey(2048).ca().issue();
        Instant from = Instant.parse("2020-01-01T00:00:00Z");
        Instant to = Instant.parse("2021-01-01T00:00:00Z");
        X509Certificate leaf = root.issuer().validity(from, to).serial(BigInteger.valueOf(42))
                .signatureAlgorithm("SHA1withRSA").issue().certificate();
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(from);
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(to);
        assertThat(leaf.getSerialNumber()).isEqualTo(42);
        assertThat(leaf.getSigAlgName()).isEqualTo("SHA1withRSA");
    }

    @Test
    void certifiesAnExternalPublicKeyWithoutHoldingItsPrivateKey() {
        IssuedCertificate root = CertificateIssuer.selfSigned().ca().issue();
        IssuedCertificate other = root.issuer().issue();
        IssuedCertificate external = root.issuer().publicKey(other.certificate().getPublicKey()).issue();
        assertThat(external.privateKey()).isNull();
        assertThat(external.certificate().getPublicKey()).isEqualTo(other.certificate().getPublicKey());
        assertThatThrownBy(() -> external.writePrivateKey(dir.resolve("k.pem"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void loadsTheCaFromPemFilesForTandemPkiIssue() {
        IssuedCertificate root = CertificateIssuer.selfSigned().subject("file root").ca().issue();
        root.writeCertificate(dir.resolve("ca.pem"));
        root.writePrivateKey(dir.resolve("ca.key"));
        X509Certificate leaf = CertificateIssuer.signedBy(dir.resolve("ca.pem"), dir.resolve("ca.key"))
                .subject("from files").issue().certificate();
        assertThat(leaf.getIssuerX500Principal()).isEqualTo(root.certificate().getSubjectX500Principal());
    }

    @Test
    void refusesToOverwriteWhenWriting() {
        IssuedCertificate root = CertificateIssuer.selfSigned().ca().issue();
        root.writeCertificate(dir.resolve("ca.pem"));
        assertThatThrownBy(() -> root.writeCertificate(dir.resolve("ca.pem")))
                .isInstanceOf(KeyMaterialException.class).hasMessageContaining("already exists");
    }
}
