package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.install.TestDevice;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pki dev-ca}, {@code bundle create}, {@code bundle info} and {@code bundle verify} as a user runs them, and
 * the bundle they make installed with {@code tandem install}.
 */
class BundleCommandsTest {

    @TempDir
    Path dir;

    @Test
    void createInfoVerifyAndInstallRoundTrip() throws IOException {
        Path pki = dir.resolve("pki");
        Tandem.Result ca = Tandem.run("pki", "dev-ca", "--out", pki.toString());
        assertThat(ca.exitCode()).as(ca.toString()).isZero();
        assertThat(pki.resolve("keyring.pem")).exists();
        Path image = TestDevice.imageWithZeroRegions(dir.resolve("rootfs.img"), (6L << 20) + 777, 5);
        Path bundle = dir.resolve("app-2.1.0.tandem");

        Tandem.Result created = Tandem.run("bundle", "create", "--image", "rootfs=" + image, "--compatible",
                TestDevice.COMPATIBLE, "--version", "2.1.0", "--security-version", "3", "--cert",
                pki.resolve("signer.pem").toString(), "--key", pki.resolve("signer.key").toString(), "-o",
                bundle.toString());
        assertThat(created.exitCode()).as(created.toString()).isZero();

        Tandem.Result info = Tandem.run("bundle", "info", bundle.toString());
        assertThat(info.exitCode()).as(info.toString()).isZero();
        assertThat(info.out().lines().findFirst()).hasValue("signature NOT verified (no --keyring given)");
        assertThat(info.out()).contains("version:          2.1.0").contains("security-version: 3")
                .contains("image rootfs: class rootfs").contains(TestDevice.sha256(image));

        Tandem.Result verifiedInfo = Tandem.run("bundle", "info", "--keyring", pki.resolve("keyring.pem").toString(),
                bundle.toString());
        assertThat(verifiedInfo.out().lines().findFirst().orElseThrow()).startsWith("signature verified: ");

        Tandem.Result json = Tandem.run("bundle", "info", "--json", bundle.toString());
        assertThat(json.exitCode()).isZero();
        JsonNode n = new ObjectMapper().readTree(json.out());
        assertThat(n.get("signature-verified").asBoolean()).isFalse();
        assertThat(n.at("/manifest/version").asText()).isEqualTo("2.1.0");
        assertThat(n.at("/manifest/images/0/sha256").asText()).isEqualTo(TestDevice.sha256(image));

        Tandem.Result verify = Tandem.run("bundle", "verify", "--keyring", pki.resolve("keyring.pem").toString(),
                bundle.toString());
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.out()).startsWith("bundle OK: ").contains("sha256 matches");

        // Installed on a device that trusts this PKI: byte-identical.
        TestDevice device = TestDevice.create(dir.resolve("device"), pki, f -> f, 8L << 20, "");
        Tandem.Result install = Tandem.run("install", bundle.toString(), "--config", device.configFile.toString(),
                "--progress=none");
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(install.out()).contains("installed rootfs -> rootfs.1");
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
    }

    @Test
    void infoOnAFileThatIsNotABundleSaysSo() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "just some notes\n");
        Path big = TestDevice.randomImage(dir.resolve("disk.img"), 64 * 1024, 9);
        for (Path p : new Path[] {text, big}) {
            Tandem.Result r = Tandem.run("bundle", "info", p.toString());
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
            assertThat(r.errLines()).as(r.toString()).singleElement().asString()
                    .startsWith("tandem: not a tandem bundle: ");
        }
    }

    @Test
    void anUnsupportedUrlSchemeIsAUsageErrorListingTheSupportedOnes() {
        for (String[] args : new String[][] {{"bundle", "info", "ftp://example.com/u.tandem"},
                {"install", "ftp://example.com/u.tandem", "--config", dir.resolve("none.toml").toString()},
                {"bundle", "verify", "--keyring", "k.pem", "file:///tmp/u.tandem"}}) {
            Tandem.Result r = Tandem.run(args);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.errLines()).as(r.toString()).singleElement().asString()
                    .contains("unsupported URL scheme").contains("http://").contains("https://")
                    .contains("file path").contains("- for standard input").doesNotContain("no such file");
        }
    }

    @Test
    void verifyRefusesABundleFromAnUntrustedSignerAndACorruptChunk() throws IOException {
        TestDevice device = TestDevice.create(dir.resolve("device"), 8L << 20, "");
        Path image = TestDevice.randomImage(dir.resolve("rootfs.img"), 4L << 20, 6);
        Path bundle = device.bundle("1.0.0", image, dir.resolve("b.tandem"));
        Path otherPki = TestDevice.makePki(dir.resolve("other-pki"));

        Tandem.Result untrusted = Tandem.run("bundle", "verify", "--keyring",
                otherPki.resolve("keyring.pem").toString(), bundle.toString());
        assertThat(untrusted.exitCode()).as(untrusted.toString()).isEqualTo(3);
        assertThat(untrusted.errLines()).singleElement().asString().startsWith("tandem: verify ");

        TestDevice.StoredChunk c = TestDevice.storedChunk(bundle, 10);
        TestDevice.flipByte(bundle, c.offset() + 1);
        Tandem.Result corrupt = Tandem.run("bundle", "verify", "--keyring",
                device.pki.resolve("keyring.pem").toString(), bundle.toString());
        assertThat(corrupt.exitCode()).as(corrupt.toString()).isEqualTo(3);
        assertThat(corrupt.errLines()).singleElement().asString().contains("chunk 10");
        // info reads only the manifest and the chunk tables: it does not notice, and says so first.
        Tandem.Result info = Tandem.run("bundle", "info", bundle.toString());
        assertThat(info.exitCode()).isZero();
        assertThat(info.out().lines().findFirst()).hasValue("signature NOT verified (no --keyring given)");
        assertThat(Files.size(bundle)).isPositive();
    }
}
