package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.pki.CertificateIssuer;
import dev.tandem.pki.IssuedCertificate;
import dev.tandem.pki.SigningKey;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code signatures-required = N} (m-of-n) end to end: system.toml → install → CmsVerifier counting distinct
 * signer keys. Refusals are exit code 3 and leave the target untouched.
 */
class MultiSignatureInstallTest {

    @TempDir
    static Path shared;

    static SignerMaterial pki;
    static Path keyring;
    static SigningKey release1;
    static SigningKey release2;
    static SigningKey foreign;

    @BeforeAll
    static void keys() throws IOException {
        pki = new SignerMaterial(shared.resolve("pki"), "fleet root");
        keyring = pki.keyring("keyring.pem");
        release1 = pki.signer("release 1").signingKey();
        release2 = pki.signer("release 2").signingKey();
        IssuedCertificate otherRoot = CertificateIssuer.selfSigned().subject("other root").ca().issue();
        foreign = otherRoot.issuer().subject("foreign").issue().signingKey(otherRoot.certificate());
    }

    static SimulatedDevice twoOfN(Path dir) throws IOException {
        return SimulatedDevice.create(dir, keyring, "signatures-required = 2");
    }

    @Test
    void installsABundleSignedByTwoDistinctKeys(@TempDir Path dir) throws IOException {
        SimulatedDevice device = twoOfN(dir);
        byte[] image = SimulatedDevice.image(5);
        CliRunner.Result r = device.install(device.bundle("two", "2.0.0", 0, image, release1, release2));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(device.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
        assertThat(device.slotBytes(device.slotB, image.length)).isEqualTo(image);
    }

    @Test
    void refusesOneGoodAndOneBadSignature(@TempDir Path dir) throws IOException {
        SimulatedDevice device = twoOfN(dir);
        CliRunner.Result r = device.install(device.bundle("one-bad", "2.0.0", 0, SimulatedDevice.image(5), release1,
                foreign));
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCode.VERIFICATION.code());
        assertThat(r.err()).contains("1 of 2 required distinct signers verified").contains("NOT_TRUSTED");
        device.assertUntouched();
    }

    @Test
    void countsTheSameKeyTwiceOnce(@TempDir Path dir) throws IOException {
        SimulatedDevice device = twoOfN(dir);
        CliRunner.Result r = device.install(device.bundle("same-twice", "2.0.0", 0, SimulatedDevice.image(5),
                release1, release1));
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCode.VERIFICATION.code());
        assertThat(r.err()).contains("1 of 2 required distinct signers verified");
        device.assertUntouched();
    }

    @Test
    void countsTwoCertificatesForOneKeyOnce(@TempDir Path dir) throws Exception {
        // A second certificate for the same key (re-issued, other name) is not a second signer.
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        SigningKey first = pki.root.issuer().subject("key, first certificate").keyPair(pair).issue().signingKey();
        SigningKey second = pki.root.issuer().subject("key, second certificate").keyPair(pair).issue().signingKey();
        SimulatedDevice device = twoOfN(dir);
        CliRunner.Result r = device.install(device.bundle("one-key", "2.0.0", 0, SimulatedDevice.image(5), first,
                second));
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCode.VERIFICATION.code());
        assertThat(r.err()).contains("1 of 2 required distinct signers verified");
        device.assertUntouched();
    }

    @Test
    void acceptsABadSignatureBesideEnoughGoodOnesDuringAKeyRotation(@TempDir Path dir) throws IOException {
        SimulatedDevice device = SimulatedDevice.create(dir, keyring, "");
        CliRunner.Result r = device.install(device.bundle("rotation", "2.0.0", 0, SimulatedDevice.image(5), foreign,
                release1));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(device.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
    }
}
