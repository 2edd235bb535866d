package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyringTest {

    private static final TestPki PKI = new TestPki("acme");
    private static final TestPki OTHER = new TestPki("other");

    @TempDir
    Path dir;

    @Test
    void loadsEveryCertificateAsAnAnchorAndEveryCrl() throws Exception {
        X509CRL crl = CrlIssuer.by(PKI.root).revoke(PKI.intermediate.certificate()).issue();
        Path file = TestPki.writeKeyring(dir.resolve("keyring.pem"),
                List.of(PKI.root.certificate(), OTHER.root.certificate()), List.of(crl));
        Keyring keyring = Keyring.load(file);
        assertThat(keyring.anchors()).containsExactly(PKI.root.certificate(), OTHER.root.certificate());
        assertThat(keyring.crls()).containsExactly(crl);
    }

    @Test
    void skipsCommentTextAroundPemBlocks() throws Exception {
        Path file = dir.resolve("keyring.pem");
        Files.writeString(file, "Release keys of Acme, 2026.\n"
                + Pem.encode(List.of(), List.of(PKI.root.certificate())) + "\nend of keyring\n");
        assertThat(Keyring.load(file).anchors()).hasSize(1);
    }

    @Nested
    class WhenTheKeyringIsUnusable {

        @Test
        void refusesAMissingFile() {
            assertThatThrownBy(() -> Keyring.load(dir.resolve("nope.pem")))
                    .isInstanceOf(KeyMaterialException.class)
                    .hasMessage("keyring " + dir.resolve("nope.pem") + ": no such file");
        }

        @Test
        void refusesAnEmptyKeyring() throws Exception {
            Path file = Files.writeString(dir.resolve("keyring.pem"), "");
            assertThatThrownBy(() -> Keyring.load(file)).isInstanceOf(KeyMaterialException.class)
                    .hasMessageContaining("no certificates");
        }

        @Test
        void refusesGarbageInsideAPemBlock() throws Exception {
            Path file = Files.writeString(dir.resolve("keyring.pem"),
                    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
            assertThatThrownBy(() -> Keyring.load(file)).isInstanceOf(KeyMaterialException.class)
                    .hasMessageStartingWith("keyring " + file + ": ");
        }

        @Test
        void refusesAPrivateKeyInTheKeyring() throws Exception {
            Path file = Files.writeString(dir.resolve("keyring.pem"),
                    Pem.encode(List.of(), List.of(PKI.root.certificate(), PKI.root.privateKey())));
            assertThatThrownBy(() -> Keyring.load(file)).isInstanceOf(KeyMaterialException.class)
                    .hasMessageContaining("holds only certificates and CRLs");
        }

        @Test
        void refusesACrlWhoseIssuerIsNotInTheKeyring() throws Exception {
            X509CRL crl = CrlIssuer.by(OTHER.root).issue();
            Path file = TestPki.writeKeyring(dir.resolve("keyring.pem"), List.of(PKI.root.certificate()), List.of(crl));
            assertThatThrownBy(() -> Keyring.load(file)).isInstanceOf(KeyMaterialException.class)
                    .hasMessageContaining("CRL issued by \"CN=other root\" cannot be authenticated");
        }

        @Test
        void refusesACrlSignedByAnotherKeyUnderTheAnchorsName() {
            IssuedCertificate impostor = CertificateIssuer.selfSigned().subject("acme root").ca().issue();
            X509CRL forged = CrlIssuer.by(impostor).revoke(PKI.signer.certificate().getSerialNumber(),
                    java.time.Instant.now()).issue();
            assertThatThrownBy(() -> PKI.keyring(forged)).isInstanceOf(KeyMaterialException.class)
                    .hasMessageContaining("cannot be authenticated");
        }

        @Test
        void refusesACrlFromACaWithoutCrlSignUsage() {
            IssuedCertificate noCrlSign = CertificateIssuer.selfSigned().subject("strict root").ca()
                    .keyUsage(CertificateIssuer.KeyUsage.KEY_CERT_SIGN).issue();
            X509CRL crl = CrlIssuer.by(noCrlSign).issue();
            assertThatThrownBy(() -> Keyring.of(List.of(noCrlSign.certificate()), List.of(crl)))
                    .isInstanceOf(KeyMaterialException.class).hasMessageContaining("cRLSign");
        }
    }
}
