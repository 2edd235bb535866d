package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testsupport.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DevCaTest {

    private static final byte[] MANIFEST = "{\"format\":1}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private static X509Certificate first(Path pem) {
        return Pem.certificates(Pem.read(pem, "test"), pem, "test").get(0);
    }

    @Test
    void writesCaSignerKeyAndKeyringMarkedForDevelopmentOnly() throws Exception {
        DevCa.create(dir, DevCa.KeyType.EC_P256);

        X509Certificate ca = first(dir.resolve("ca.pem"));
        X509Certificate signer = first(dir.resolve("signer.pem"));
        assertThat(SubjectName.of(ca)).contains("DEVELOPMENT ONLY");
        assertThat(SubjectName.of(signer)).contains("DEVELOPMENT ONLY");
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(ca.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(ca.getKeyUsage()[6]).as("cRLSign").isTrue();
        assertThat(signer.getBasicConstraints()).isEqualTo(-1);
        assertThat(signer.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(signer.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.3");
        signer.verify(ca.getPublicKey());
        assertThat(first(dir.resolve("keyring.pem"))).isEqualTo(ca);
        for (String name : List.of("ca.pem", "signer.pem", "signer.key", "keyring.pem")) {
            assertThat(Files.readString(dir.resolve(name))).startsWith("# ").contains("DEVELOPMENT ONLY");
        }
        assertThat(Files.readString(dir.resolve("signer.key"))).contains("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void makesTheCaValidForTenYearsAndTheSignerForFiveBackdatedForClockSkew() {
        DevCa.create(dir, DevCa.KeyType.EC_P256);
        X509Certificate ca = first(dir.resolve("ca.pem"));
        X509Certificate signer = first(dir.resolve("signer.pem"));
        Instant now = Instant.now();
        assertThat(ca.getNotBefore().toInstant()).isBefore(now.minus(Duration.ofMinutes(30)));
        assertThat(Duration.between(ca.getNotBefore().toInstant(), ca.getNotAfter().toInstant()).toDays())
                .isBetween(3650L, 3655L);
        assertThat(Duration.between(signer.getNotBefore().toInstant(), signer.getNotAfter().toInstant()).toDays())
                .isBetween(1825L, 1827L);
    }

    @Test
    void createsThePrivateKeyReadableByItsOwnerOnly() throws Exception {
        DevCa.create(dir, DevCa.KeyType.EC_P256);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("signer.key"))))
                .isEqualTo("rw-------");
    }

    @Test
    void makesRsaKeysOfTheRequestedSize() {
        DevCa.create(dir, DevCa.KeyType.RSA_3072);
        assertThat(((RSAPublicKey) first(dir.resolve("signer.pem")).getPublicKey()).getModulus().bitLength())
                .isEqualTo(3072);
    }

    @Test
    void refusesToOverwriteAnExistingFileAndWritesNothing() throws Exception {
        Files.writeString(dir.resolve("signer.key"), "precious");
        assertThatThrownBy(() -> DevCa.create(dir, DevCa.KeyType.EC_P256))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("signer.key: already exists");
        assertThat(Files.readString(dir.resolve("signer.key"))).isEqualTo("precious");
        assertThat(dir.resolve("ca.pem")).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(value = DevCa.KeyType.class, names = {"EC_P256", "RSA_2048"})
    void signsAndVerifiesWithItsOwnFiles(DevCa.KeyType type) {
        DevCa.create(dir, type);
        SigningKey key = SigningKey.load(dir.resolve("signer.pem"), dir.resolve("signer.key").toString());
        byte[] signature = CmsSigner.sign(MANIFEST, List.of(key));
        assertThat(new CmsVerifier(Keyring.load(dir.resolve("keyring.pem")), TrustPolicy.standard())
                .verify(MANIFEST, signature)).containsExactly(key.certificate());
    }

    @ParameterizedTest
    @EnumSource(value = DevCa.KeyType.class, names = {"EC_P256", "RSA_2048"})
    void producesFilesOpensslReadsAndSignaturesTheDesignCommandVerifies(DevCa.KeyType type) throws Exception {
        ExternalTool.assume("openssl");
        DevCa.create(dir, type);
        ExternalTool.ok(dir, "openssl", "x509", "-in", "ca.pem", "-noout");
        ExternalTool.ok(dir, "openssl", "x509", "-in", "signer.pem", "-noout");
        ExternalTool.ok(dir, "openssl", "x509", "-in", "keyring.pem", "-noout");
        ExternalTool.ok(dir, "openssl", "pkey", "-in", "signer.key", "-noout");
        ExternalTool.ok(dir, "openssl", "verify", "-CAfile", "ca.pem", "signer.pem");

        Files.write(dir.resolve("manifest.json"), MANIFEST);
        SigningKey key = SigningKey.load(dir.resolve("signer.pem"), dir.resolve("signer.key").toString());
        Files.write(dir.resolve("manifest.json.p7s"), CmsSigner.sign(MANIFEST, List.of(key)));
        // ARCHITECTURE.md §3, verbatim.
        ExternalTool.ok(dir, "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "manifest.json.p7s",
                "-content", "manifest.json", "-CAfile", "ca.pem", "-out", "/dev/null");
    }
}
