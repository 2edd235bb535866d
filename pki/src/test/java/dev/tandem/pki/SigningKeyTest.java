package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testsupport.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeyTest {

    private static final TestPki PKI = new TestPki("acme");

    @TempDir
    Path dir;

    private Path chainPem() throws Exception {
        Path file = dir.resolve("signer.pem");
        Files.writeString(file, Pem.encode(List.of("signer, then intermediate"),
                List.of(PKI.signer.certificate(), PKI.intermediate.certificate())));
        return file;
    }

    @Test
    void loadsPkcs8KeyAndTakesFurtherCertificatesAsIntermediates() throws Exception {
        PKI.signer.writePrivateKey(dir.resolve("signer.key"));
        SigningKey key = SigningKey.load(chainPem(), dir.resolve("signer.key").toString());
        assertThat(key.certificate()).isEqualTo(PKI.signer.certificate());
        assertThat(key.intermediates()).containsExactly(PKI.intermediate.certificate());
    }

    @Test
    void loadsTraditionalOpensslEcKey() throws Exception {
        ExternalTool.assume("openssl");
        PKI.signer.writePrivateKey(dir.resolve("pkcs8.key"));
        ExternalTool.ok(dir, "openssl", "ec", "-in", "pkcs8.key", "-out", "traditional.key");
        assertThat(Files.readString(dir.resolve("traditional.key"))).contains("BEGIN EC PRIVATE KEY");
        SigningKey key = SigningKey.load(chainPem(), dir.resolve("traditional.key").toString());
        assertThat(key.certificate()).isEqualTo(PKI.signer.certificate());
    }

    @Test
    void loadsTraditionalOpensslRsaKey() throws Exception {
        ExternalTool.assume("openssl");
        IssuedCertificate rsa = PKI.signers().subject("rsa").rsaKey(2048).issue();
        rsa.writeCertificate(dir.resolve("rsa.pem"));
        rsa.writePrivateKey(dir.resolve("pkcs8.key"));
        ExternalTool.ok(dir, "openssl", "pkey", "-in", "pkcs8.key", "-traditional", "-out", "traditional.key");
        assertThat(Files.readString(dir.resolve("traditional.key"))).contains("BEGIN RSA PRIVATE KEY");
        assertThat(SigningKey.load(dir.resolve("rsa.pem"), dir.resolve("traditional.key").toString()).certificate())
                .isEqualTo(rsa.certificate());
    }

    @Test
    void rejectsKeyOfAnotherCertificate() throws Exception {
        IssuedCertificate other = PKI.signers().subject("other").issue();
        other.writePrivateKey(dir.resolve("other.key"));
        assertThatThrownBy(() -> SigningKey.load(chainPem(), dir.resolve("other.key").toString()))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessage("private key " + dir.resolve("other.key")
                        + ": does not match the public key of certificate \"CN=acme signer\"");
    }

    @Test
    void rejectsRsaKeyForEcCertificate() throws Exception {
        PKI.signers().rsaKey(2048).issue().writePrivateKey(dir.resolve("rsa.key"));
        assertThatThrownBy(() -> SigningKey.load(chainPem(), dir.resolve("rsa.key").toString()))
                .isInstanceOf(KeyMaterialException.class).hasMessageContaining("is an RSA key");
    }

    @Test
    void rejectsMissingKeyFile() throws Exception {
        assertThatThrownBy(() -> SigningKey.load(chainPem(), dir.resolve("none.key").toString()))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessage("private key " + dir.resolve("none.key") + ": no such file");
    }

    @Test
    void rejectsEncryptedKey() throws Exception {
        ExternalTool.assume("openssl");
        PKI.signer.writePrivateKey(dir.resolve("plain.key"));
        ExternalTool.ok(dir, "openssl", "pkey", "-in", "plain.key", "-aes256", "-passout", "pass:secret",
                "-out", "encrypted.key");
        assertThatThrownBy(() -> SigningKey.load(chainPem(), dir.resolve("encrypted.key").toString()))
                .isInstanceOf(KeyMaterialException.class).hasMessageContaining("is encrypted");
    }

    @Test
    void rejectsCertificateFileWithoutCertificate() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");
        assertThatThrownBy(() -> SigningKey.load(empty, "unused.key"))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessage("certificate " + empty + ": no certificate in the file");
    }
}
