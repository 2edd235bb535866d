package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.pki.IssuedCertificate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem bundle create --key pkcs11:...}: the signing key is generated inside a SoftHSM2 token at test
 * time and never leaves it; the bundle then passes {@code tandem bundle verify}. SoftHSM2 reads SOFTHSM2_CONF
 * once per process, so {@code bundle create} runs in a child JVM with its own token directory.
 */
class Pkcs11BundleCreateTest {

    static final Path MODULE = Path.of("/usr/lib/softhsm/libsofthsm2.so");

    @TempDir
    Path dir;

    @Test
    void signsWithAKeyInsideAToken() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(MODULE) && onPath("softhsm2-util") && onPath("pkcs11-tool"),
                "softhsm2 or opensc (pkcs11-tool) not installed");
        Path conf = dir.resolve("softhsm2.conf");
        Files.createDirectories(dir.resolve("tokens"));
        Files.writeString(conf, "directories.tokendir = " + dir.resolve("tokens") + "\nobjectstore.backend = file\n"
                + "log.level = ERROR\n");
        Map<String, String> env = Map.of("SOFTHSM2_CONF", conf.toString());
        run(env, "softhsm2-util", "--init-token", "--free", "--label", "decoy", "--pin", "1111", "--so-pin", "2222");
        run(env, "softhsm2-util", "--init-token", "--free", "--label", "release", "--pin", "1234", "--so-pin", "4321");
        String[] token = {"pkcs11-tool", "--module", MODULE.toString(), "--token-label", "release"};
        run(env, concat(token, "--login", "--pin", "1234", "--keypairgen", "--key-type", "EC:prime256v1",
                "--label", "signer", "--id", "01"));
        run(env, concat(token, "--read-object", "--type", "pubkey", "--id", "01", "-o", "pub.der"));
        PublicKey publicKey = KeyFactory.getInstance("EC").generatePublic(
                new X509EncodedKeySpec(Files.readAllBytes(dir.resolve("pub.der"))));

        SignerMaterial pki = new SignerMaterial(dir.resolve("pki"), "hsm root");
        IssuedCertificate cert = pki.root.issuer().subject("hsm signer").publicKey(publicKey).issue();
        Files.write(dir.resolve("signer.der"), cert.certificate().getEncoded());
        // SunPKCS11 shows a private key only together with a certificate object of the same CKA_ID.
        run(env, concat(token, "--login", "--pin", "1234", "--write-object", "signer.der", "--type", "cert",
                "--label", "signer", "--id", "01"));
        Path certPem = dir.resolve("signer.pem");
        Files.writeString(certPem, SignerMaterial.pem(cert.certificate()));

        Path image = dir.resolve("rootfs.img");
        Files.write(image, SimulatedDevice.image(11));
        Path bundle = dir.resolve("hsm.tandem");
        String uri = "pkcs11:token=release;object=signer?module-path=" + MODULE + "&pin-value=1234";
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "bundle", "create",
                "--image", "rootfs=" + image, "--compatible", SimulatedDevice.COMPATIBLE, "--version", "2.0.0",
                "--cert", certPem.toString(), "--key", uri, "-o", bundle.toString()));
        String output = run(env, cmd.toArray(String[]::new));
        assertThat(output).contains("created " + bundle);

        CliRunner.Result verify = CliRunner.run("bundle", "verify", bundle.toString(), "--keyring",
                pki.keyring("keyring.pem").toString());
        assertThat(verify.exit()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("bundle OK").contains("CN=hsm signer");
    }

    private String run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "): " + output);
        }
        return output;
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
