package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.FileSource;
import dev.tandem.bundle.ManifestVerifier;
import dev.tandem.pki.CmsVerifier;
import dev.tandem.pki.IssuedCertificate;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.TrustPolicy;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several signers on the command line: {@code bundle create} with several --cert/--key pairs, and
 * {@code bundle resign} replacing or adding signatures while the manifest and the bundle id stay the same.
 */
class BundleSignersCliTest {

    @TempDir
    static Path dir;

    static SignerMaterial oldPki;
    static SignerMaterial newPki;
    static Path[] oldSigner;
    static Path[] newSigner;
    static Path[] secondNewSigner;
    static Path image;

    @BeforeAll
    static void material() throws IOException {
        oldPki = new SignerMaterial(dir.resolve("old"), "old root");
        newPki = new SignerMaterial(dir.resolve("new"), "new root");
        oldSigner = oldPki.write("old-signer", oldPki.signer("old signer"));
        IssuedCertificate intermediate = newPki.root.issuer().subject("new release CA").ca().issue();
        // An intermediate in the certificate file is embedded in the signature.
        newSigner = newPki.write("new-signer", intermediate.issuer().subject("new signer").issue(),
                intermediate.certificate());
        secondNewSigner = newPki.write("second-new-signer", newPki.signer("second new signer"));
        image = dir.resolve("rootfs.img");
        Files.write(image, SimulatedDevice.image(9));
    }

    static CliRunner.Result create(Path out, Path[]... signers) {
        List<String> args = new java.util.ArrayList<>(List.of("bundle", "create", "--image", "rootfs=" + image,
                "--compatible", SimulatedDevice.COMPATIBLE, "--version", "2.0.0", "--chunk-size", "16K",
                "-o", out.toString()));
        for (Path[] s : signers) {
            args.addAll(List.of("--cert", s[0].toString(), "--key", s[1].toString()));
        }
        return CliRunner.run(args.toArray(String[]::new));
    }

    static CliRunner.Result verify(Path bundle, Path keyring) {
        return CliRunner.run("bundle", "verify", bundle.toString(), "--keyring", keyring.toString());
    }

    static String bundleId(Path bundle) throws IOException {
        try (FileSource s = FileSource.open(bundle)) {
            return BundleReader.open(s, ManifestVerifier.unverified(), dir).bundleId();
        }
    }

    static byte[] manifest(Path bundle) throws IOException {
        try (FileSource s = FileSource.open(bundle)) {
            return BundleReader.open(s, ManifestVerifier.unverified(), dir).manifestBytes();
        }
    }

    /** How many distinct trusted signers the bundle has for a device that trusts {@code roots}. */
    static int signers(Path bundle, IssuedCertificate... roots) throws IOException {
        try (FileSource s = FileSource.open(bundle)) {
            BundleReader r = BundleReader.open(s, ManifestVerifier.unverified(), dir);
            Keyring keyring = Keyring.of(java.util.Arrays.stream(roots).map(IssuedCertificate::certificate).toList(),
                    List.of());
            return new CmsVerifier(keyring, new TrustPolicy(Instant.now(), null, true, 1, List.of()))
                    .verify(r.manifestBytes(), r.signature()).size();
        }
    }

    @Test
    void createsABundleWithSeveralSignersThatATwoOfNDeviceInstalls() throws IOException {
        Path bundle = dir.resolve("two-signers.tandem");
        CliRunner.Result r = create(bundle, newSigner, secondNewSigner);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(signers(bundle, newPki.root)).isEqualTo(2);
        CliRunner.Result v = verify(bundle, newPki.keyring("keyring.pem"));
        assertThat(v.exit()).as(v.toString()).isZero();
        assertThat(v.out()).contains("CN=new signer").contains("CN=second new signer");

        SimulatedDevice device = SimulatedDevice.create(dir.resolve("device"), newPki.keyring("keyring-2.pem"),
                "signatures-required = 2");
        CliRunner.Result install = device.install(bundle);
        assertThat(install.exit()).as(install.toString()).isZero();
        assertThat(device.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
    }

    @Test
    void resignReplacesTheSignatureAndKeepsTheBundleId() throws IOException {
        Path bundle = dir.resolve("old-signed.tandem");
        assertThat(create(bundle, oldSigner).exit()).isZero();
        Path resigned = dir.resolve("new-signed.tandem");
        CliRunner.Result r = CliRunner.run("bundle", "resign", bundle.toString(), "-o", resigned.toString(),
                "--keyring", oldPki.keyring("old-keyring.pem").toString(),
                "--cert", newSigner[0].toString(), "--key", newSigner[1].toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains(bundleId(bundle).substring(0, 16)).contains("(unchanged)");

        assertThat(bundleId(resigned)).isEqualTo(bundleId(bundle));
        assertThat(manifest(resigned)).isEqualTo(manifest(bundle));
        assertThat(verify(resigned, newPki.keyring("new-keyring.pem")).exit()).isZero();
        CliRunner.Result old = verify(resigned, oldPki.keyring("old-keyring-2.pem"));
        assertThat(old.exit()).as(old.toString()).isEqualTo(ExitCode.VERIFICATION.code());
    }

    @Test
    void resignAddKeepsTheOldSignerForAKeyRotation() throws IOException {
        Path bundle = dir.resolve("rotation.tandem");
        assertThat(create(bundle, oldSigner).exit()).isZero();
        Path both = dir.resolve("rotation-both.tandem");
        CliRunner.Result r = CliRunner.run("bundle", "resign", bundle.toString(), "-o", both.toString(), "--add",
                "--no-verify", "--cert", newSigner[0].toString(), "--key", newSigner[1].toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(signers(both, oldPki.root)).isEqualTo(1);
        assertThat(signers(both, newPki.root)).isEqualTo(1);
        assertThat(signers(both, oldPki.root, newPki.root)).isEqualTo(2);
        assertThat(verify(both, oldPki.keyring("old-keyring-3.pem")).exit()).isZero();
        assertThat(verify(both, newPki.keyring("new-keyring-3.pem")).exit()).isZero();
        assertThat(bundleId(both)).isEqualTo(bundleId(bundle));
    }

    @Test
    void resignRefusesABundleTheKeyringDoesNotTrust() throws IOException {
        Path bundle = dir.resolve("untrusted.tandem");
        assertThat(create(bundle, oldSigner).exit()).isZero();
        Path out = dir.resolve("untrusted-resigned.tandem");
        CliRunner.Result r = CliRunner.run("bundle", "resign", bundle.toString(), "-o", out.toString(),
                "--keyring", newPki.keyring("new-keyring-4.pem").toString(),
                "--cert", newSigner[0].toString(), "--key", newSigner[1].toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCode.VERIFICATION.code());
        assertThat(r.err()).startsWith("tandem: resign ").contains("not trusted");
        assertThat(out).doesNotExist();
    }

    @Test
    void resignAndCreateNeedOneKeyPerCertificateAndResignAKeyringDecision() throws IOException {
        Path bundle = dir.resolve("usage.tandem");
        CliRunner.Result mismatch = CliRunner.run("bundle", "create", "--image", "rootfs=" + image, "--compatible",
                "x", "--version", "1.0.0", "-o", bundle.toString(), "--cert", oldSigner[0].toString(),
                "--cert", newSigner[0].toString(), "--key", oldSigner[1].toString());
        assertThat(mismatch.exit()).as(mismatch.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(create(bundle, oldSigner).exit()).isZero();
        CliRunner.Result neither = CliRunner.run("bundle", "resign", bundle.toString(), "-o", bundle.toString(),
                "--cert", newSigner[0].toString(), "--key", newSigner[1].toString());
        assertThat(neither.exit()).as(neither.toString()).isEqualTo(ExitCode.USAGE.code());
        assertThat(neither.err()).contains("--keyring").contains("--no-verify");
        CliRunner.Result wrongKey = CliRunner.run("bundle", "resign", bundle.toString(), "-o", bundle.toString(),
                "--no-verify", "--cert", newSigner[0].toString(), "--key", oldSigner[1].toString());
        assertThat(wrongKey.exit()).as(wrongKey.toString()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(verify(bundle, oldPki.keyring("old-keyring-5.pem")).exit()).isZero();
    }
}
