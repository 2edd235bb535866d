package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BundleExtractCommandTest {

    @TempDir
    Path dir;

    private Path bundle;
    private byte[] image;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void makeBundle() throws Exception {
        assertThat(run("pki", "dev-ca", "--out", dir.resolve("pki").toString())).isZero();
        image = new byte[300_000];
        new Random(7).nextBytes(image);
        Files.write(dir.resolve("rootfs.img"), image);
        bundle = dir.resolve("b.tandem");
        assertThat(run("bundle", "create", "--image", "rootfs=" + dir.resolve("rootfs.img"), "--compatible", "c",
                "--version", "1.0.0", "--cert", dir.resolve("pki/signer.pem").toString(), "--key",
                dir.resolve("pki/signer.key").toString(), "-o", bundle.toString())).isZero();
    }

    @Test
    void writesEachVerifiedImageToItsOwnFile() throws Exception {
        Path out = dir.resolve("out");
        assertThat(run("bundle", "extract", "--keyring", keyring(), "-o", out.toString(), bundle.toString())).isZero();
        assertThat(Files.readAllBytes(out.resolve("rootfs.img"))).isEqualTo(image);
    }

    @Test
    void neverOverwritesOrRemovesAnExistingFile() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("rootfs.img"), "keep me");
        int code = run("bundle", "extract", "--keyring", keyring(), "-o", out.toString(), bundle.toString());
        assertThat(code).isEqualTo(ExitCode.IO.code());
        assertThat(Files.readString(out.resolve("rootfs.img"))).isEqualTo("keep me");
        assertThat(err.toString().trim()).startsWith("tandem: ").contains("already exists").doesNotContain("\n");
    }

    @Test
    void doesNotWriteThroughALinkPlantedInTheOutputDirectory() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path victim = Files.writeString(dir.resolve("victim"), "untouched");
        Files.createSymbolicLink(out.resolve("rootfs.img"), victim);
        int code = run("bundle", "extract", "--keyring", keyring(), "-o", out.toString(), bundle.toString());
        assertThat(code).isNotZero();
        assertThat(Files.readString(victim)).isEqualTo("untouched");
    }

    @Test
    void refusesABundleSignedByAnotherCa() throws Exception {
        assertThat(run("pki", "dev-ca", "--out", dir.resolve("other").toString())).isZero();
        Path out = dir.resolve("out");
        int code = run("bundle", "extract", "--keyring", dir.resolve("other/keyring.pem").toString(), "-o",
                out.toString(), bundle.toString());
        assertThat(code).isEqualTo(ExitCode.VERIFICATION.code());
        assertThat(out.resolve("rootfs.img")).doesNotExist();
    }

    private String keyring() {
        return dir.resolve("pki/keyring.pem").toString();
    }

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(new ByteArrayOutputStream(), true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
