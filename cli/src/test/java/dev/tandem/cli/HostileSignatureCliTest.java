package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tandem.pki.CertificateIssuer;
import dev.tandem.pki.IssuedCertificate;
import dev.tandem.pki.SigningKey;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle whose signature embeds a loop of self-issued certificates (one subject, one key: each issues every
 * other; no trusted key needed to make it) is refused with exit 3 by {@code install}, {@code bundle verify}
 * and {@code bundle info --keyring}, quickly: chain building used to try every ordering of them, for hours.
 */
class HostileSignatureCliTest {

    /** The refusal takes milliseconds; the unbounded search took hours for 40 certificates. */
    private static final Duration BOUND = Duration.ofSeconds(5);

    @TempDir
    static Path dir;

    static SimulatedDevice device;
    static Path keyring;

    @BeforeAll
    static void setUp() throws IOException {
        SignerMaterial pki = new SignerMaterial(dir.resolve("pki"), "device root");
        keyring = pki.keyring("keyring.pem");
        device = SimulatedDevice.create(dir.resolve("device"), keyring, "");
    }

    /** Signed by the first of {@code n} self-issued certificates "CN=loop" with one key, all embedded. */
    static SigningKey loopKey(int n) {
        KeyPair key;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            key = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        List<IssuedCertificate> loop = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            loop.add(CertificateIssuer.selfSigned().subject("loop").keyPair(key).noExtensions().issue());
        }
        return loop.get(0).signingKey(loop.subList(1, n).stream().map(IssuedCertificate::certificate)
                .toArray(X509Certificate[]::new));
    }

    @ParameterizedTest(name = "{0} certificates")
    @CsvSource({"40, 'chain ends at \"CN=loop\", which is not in the keyring'",
        "200, 'embeds 200 certificates, more than the 64 allowed'"})
    void refusesALoopOfSelfIssuedCertificatesWithExit3Quickly(int n, String phrase) throws IOException {
        Path bundle = device.bundle("loop-" + n, "2.0.0", 0, SimulatedDevice.image(2), loopKey(n));

        CliRunner.Result install = assertTimeoutPreemptively(BOUND, () -> device.install(bundle));
        assertThat(install.exit()).as(install.toString()).isEqualTo(ExitCode.VERIFICATION.code());
        assertThat(install.err().strip()).startsWith("tandem: install ").contains(phrase).doesNotContain("\n");
        device.assertUntouched();

        CliRunner.Result verify = assertTimeoutPreemptively(BOUND, () -> CliRunner.run("bundle", "verify",
                "--keyring", keyring.toString(), bundle.toString()));
        assertThat(verify.exit()).as(verify.toString()).isEqualTo(ExitCode.VERIFICATION.code());
        assertThat(verify.err().strip()).contains(phrase).doesNotContain("\n");

        CliRunner.Result info = assertTimeoutPreemptively(BOUND, () -> CliRunner.run("bundle", "info",
                "--keyring", keyring.toString(), bundle.toString()));
        assertThat(info.exit()).as(info.toString()).isEqualTo(ExitCode.VERIFICATION.code());
        assertThat(info.err().strip()).contains(phrase).doesNotContain("\n");
    }
}
