package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem pki issue}: a release CA under the root, a signer under it, a bundle that verifies. */
class PkiIssueCommandTest {

    @TempDir
    Path dir;

    @Test
    void issuesAnIntermediateAndASignerWhoseBundlesVerify() throws IOException {
        SignerMaterial root = new SignerMaterial(dir.resolve("root"), "offline root");
        Path[] rootFiles = root.write("root", root.root);
        CliRunner.Result ca = CliRunner.run("pki", "issue", "--ca-cert", rootFiles[0].toString(), "--ca-key",
                rootFiles[1].toString(), "--subject", "CN=release CA,O=test", "--ca", "--out", dir.toString(),
                "--name", "release-ca");
        assertThat(ca.exit()).as(ca.toString()).isZero();
        CliRunner.Result signer = CliRunner.run("pki", "issue", "--ca-cert", dir.resolve("release-ca.pem").toString(),
                "--ca-key", dir.resolve("release-ca.key").toString(), "--subject", "release 2027", "--out",
                dir.toString(), "--name", "release-2027", "--days", "30");
        assertThat(signer.exit()).as(signer.toString()).isZero();
        assertThat(Files.readString(dir.resolve("release-2027.pem"))).containsOnlyOnce("release 2027")
                .contains("BEGIN CERTIFICATE").satisfies(s -> assertThat(s.split("BEGIN CERTIFICATE")).hasSize(3));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("release-2027.key"))))
                .isEqualTo("rw-------");

        Path image = dir.resolve("rootfs.img");
        Files.write(image, SimulatedDevice.image(3));
        Path bundle = dir.resolve("b.tandem");
        CliRunner.Result create = CliRunner.run("bundle", "create", "--image", "rootfs=" + image, "--compatible", "x",
                "--version", "1.0.0", "--cert", dir.resolve("release-2027.pem").toString(), "--key",
                dir.resolve("release-2027.key").toString(), "-o", bundle.toString());
        assertThat(create.exit()).as(create.toString()).isZero();
        CliRunner.Result verify = CliRunner.run("bundle", "verify", bundle.toString(), "--keyring",
                root.keyring("keyring.pem").toString());
        assertThat(verify.exit()).as(verify.toString()).isZero();

        CliRunner.Result again = CliRunner.run("pki", "issue", "--ca-cert", dir.resolve("release-ca.pem").toString(),
                "--ca-key", dir.resolve("release-ca.key").toString(), "--subject", "CN=other", "--out",
                dir.toString(), "--name", "release-2027");
        assertThat(again.exit()).isEqualTo(ExitCode.USAGE.code());
        assertThat(again.err()).contains("already exists");
    }
}
