package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testsupport.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Signing with keys generated inside a SoftHSM2 token, through SunPKCS11. SoftHSM2 reads SOFTHSM2_CONF
 * when this JVM first loads it, so the surefire configuration sets it (pki/pom.xml) and this class
 * writes that file and makes the tokens before anything loads the module. All PKCS#11 tests live here.
 */
class Pkcs11SigningKeyTest {

    private static final Path MODULE = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    private static final TestPki PKI = new TestPki("hsm");
    private static final byte[] MANIFEST = "{\"format\":1}".getBytes(StandardCharsets.UTF_8);

    private static Path work;
    private static Path signerPem;
    private static Path unpairedPem;

    @BeforeAll
    static void makeTokens() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(MODULE) && ExternalTool.available("softhsm2-util")
                && ExternalTool.available("pkcs11-tool"), "softhsm2 or opensc (pkcs11-tool) not installed");
        String conf = System.getenv("SOFTHSM2_CONF");
        Assumptions.assumeTrue(conf != null, "SOFTHSM2_CONF not set (run through Maven: see pki/pom.xml)");
        work = Path.of(conf).getParent();
        if (Files.exists(work)) {
            try (Stream<Path> old = Files.walk(work)) {
                old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(work.resolve("tokens"));
        Files.writeString(Path.of(conf), "directories.tokendir = " + work.resolve("tokens") + "\n"
                + "objectstore.backend = file\nlog.level = ERROR\n");

        // A decoy first, so that the test token is not simply the first slot.
        ExternalTool.ok(work, "softhsm2-util", "--init-token", "--free", "--label", "decoy", "--pin", "1234", "--so-pin", "4321");
        ExternalTool.ok(work, "softhsm2-util", "--init-token", "--free", "--label", "tandem-test", "--pin", "1234", "--so-pin", "4321");
        signerPem = certifyKeyInToken("tandem-test", "signer", "01", true);
        unpairedPem = certifyKeyInToken("tandem-test", "unpaired", "02", false);
        certifyKeyInToken("decoy", "signer", "01", true);
        ExternalTool.ok(work, "softhsm2-util", "--init-token", "--free", "--label", "pin-test", "--pin", "1234", "--so-pin", "4321");
        certifyKeyInToken("pin-test", "signer", "01", true);
    }

    /** Generates an EC key pair in the token, issues a certificate for it, and optionally stores that in the token. */
    private static Path certifyKeyInToken(String token, String label, String hexId, boolean storeCertificate)
            throws Exception {
        String prefix = token + "-" + label;
        ExternalTool.ok(work, "pkcs11-tool", "--module", MODULE.toString(), "--token-label", token, "--login", "--pin", "1234",
                "--keypairgen", "--key-type", "EC:prime256v1", "--label", label, "--id", hexId);
        ExternalTool.ok(work, "pkcs11-tool", "--module", MODULE.toString(), "--token-label", token, "--read-object",
                "--type", "pubkey", "--id", hexId, "-o", prefix + "-pub.der");
        PublicKey publicKey = KeyFactory.getInstance("EC").generatePublic(
                new X509EncodedKeySpec(Files.readAllBytes(work.resolve(prefix + "-pub.der"))));
        IssuedCertificate cert = PKI.signers().subject(prefix).publicKey(publicKey).issue();
        Files.write(work.resolve(prefix + ".der"), cert.certificate().getEncoded());
        if (storeCertificate) {
            ExternalTool.ok(work, "pkcs11-tool", "--module", MODULE.toString(), "--token-label", token, "--login",
                    "--pin", "1234", "--write-object", prefix + ".der", "--type", "cert", "--label", label, "--id", hexId);
        }
        Path pem = work.resolve(prefix + ".pem");
        Files.writeString(pem, Pem.encode(List.of(), List.of(cert.certificate(), PKI.intermediate.certificate())));
        return pem;
    }

    private static String uri(String token, String object, String pin) {
        return "pkcs11:token=" + token + ";object=" + object + "?module-path=" + MODULE + "&pin-value=" + pin;
    }

    private static void assertSignsVerifiably(SigningKey key) {
        byte[] signature = CmsSigner.sign(MANIFEST, List.of(key));
        assertThat(new CmsVerifier(PKI.keyring(), TrustPolicy.standard()).verify(MANIFEST, signature))
                .containsExactly(key.certificate());
    }

    @Test
    void signsWithAKeyGeneratedInTheTokenChosenByTokenLabel() {
        SigningKey key = SigningKey.load(signerPem, uri("tandem-test", "signer", "1234"));
        assertThat(key.intermediates()).containsExactly(PKI.intermediate.certificate());
        assertSignsVerifiably(key);
    }

    @Test
    void loadsTheSameKeyAgainInTheSameJvm() {
        for (int i = 0; i < 3; i++) {
            assertSignsVerifiably(SigningKey.load(signerPem, uri("tandem-test", "signer", "1234")));
        }
    }

    @Test
    void choosesTheKeyById() {
        assertSignsVerifiably(SigningKey.load(signerPem,
                "pkcs11:token=tandem-test;id=%01?module-path=" + MODULE + "&pin-value=1234"));
    }

    @Test
    void readsThePinFromAFile() throws Exception {
        Path pin = Files.writeString(work.resolve("pin.txt"), "1234\n");
        assertSignsVerifiably(SigningKey.load(signerPem,
                "pkcs11:token=tandem-test;object=signer?module-path=" + MODULE + "&pin-source=file:" + pin));
    }

    @Nested
    class WhenTheKeyCannotBeUsed {

        @Test
        void rejectsATokenThatIsNotThereListingThoseThatAre() {
            assertThatThrownBy(() -> SigningKey.load(signerPem, uri("missing", "signer", "1234")))
                    .isInstanceOf(KeyMaterialException.class)
                    .hasMessageContaining("no token matches; tokens present: [")
                    .hasMessageContaining("\"decoy\" (slot ");
        }

        @Test
        void rejectsTheKeyOfAnotherTokenForThisCertificate() {
            assertThatThrownBy(() -> SigningKey.load(signerPem, uri("decoy", "signer", "1234")))
                    .isInstanceOf(KeyMaterialException.class)
                    .hasMessageContaining("does not match the public key of certificate \"CN=tandem-test-signer\"");
        }

        @Test
        void explainsThatAKeyWithoutCertificateObjectIsInvisibleToSunPkcs11() {
            assertThatThrownBy(() -> SigningKey.load(unpairedPem, uri("tandem-test", "unpaired", "1234")))
                    .isInstanceOf(KeyMaterialException.class)
                    .hasMessageContaining("has no certificate object with object=unpaired")
                    .hasMessageContaining("SunPKCS11");
        }

        @Test
        void rejectsAWrongPinWithoutShowingIt() {
            assertThatThrownBy(() -> SigningKey.load(work.resolve("pin-test-signer.pem"), uri("pin-test", "signer", "9999")))
                    .isInstanceOf(KeyMaterialException.class)
                    .hasMessageContaining("login failed")
                    .hasMessageContaining("pin-value=***")
                    .hasMessageNotContaining("9999");
        }

        @Test
        void requiresTheModulePath() {
            assertThatThrownBy(() -> SigningKey.load(signerPem, "pkcs11:token=tandem-test;object=signer?pin-value=1234"))
                    .isInstanceOf(KeyMaterialException.class).hasMessageContaining("module-path= is required");
        }
    }
}
