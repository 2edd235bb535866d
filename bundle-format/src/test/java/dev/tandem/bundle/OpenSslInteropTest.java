package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.pki.CertificateIssuer;
import dev.tandem.pki.IssuedCertificate;
import dev.tandem.testsupport.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FORMAT.md §6 and ARCHITECTURE.md §3: a bundle unpacked with GNU tar verifies with
 * {@code openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json -CAfile ca.pem}.
 */
class OpenSslInteropTest {

    @TempDir
    Path dir;

    @BeforeEach
    void needsTools() {
        ExternalTool.assumeGnuTar();
        ExternalTool.assume("openssl");
    }

    @Test
    void openSslVerifiesTheDevelopmentSignerWithAndWithoutPurposeAny() throws IOException {
        Path x = unpack(TestBundles.rootfs(TestImages.mixed(50_000, 1)).signedBy(TestBundles.signer()));
        String ca = TestBundles.devCa().caPem().toString();
        // The development signer also has emailProtection, so openssl 3.0's default S/MIME purpose passes.
        assertThat(verify(x, ca, false).exitCode()).isZero();
        assertThat(verify(x, ca, true).exitCode()).isZero();
        assertThat(verify(x, ca, true).output()).contains("Verification successful");
    }

    @Test
    void openSslNeedsPurposeAnyForACodeSigningOnlySigner() throws IOException {
        IssuedCertificate root = CertificateIssuer.selfSigned().subject("acme root").ca().issue();
        IssuedCertificate signer = root.issuer().subject("release signer").issue(); // EKU codeSigning only
        Path caPem = dir.resolve("acme-ca.pem");
        root.writeCertificate(caPem);
        Path x = unpack(TestBundles.rootfs(TestImages.mixed(50_000, 2))
                .signedBy(TestBundles.signer(signer.signingKey())));
        ExternalTool.Result plain = verify(x, caPem.toString(), false);
        assertThat(plain.exitCode()).isNotZero();
        assertThat(plain.output()).contains("certificate purpose");
        assertThat(verify(x, caPem.toString(), true).exitCode()).isZero();
    }

    @Test
    void openSslRefusesAChangedManifest() throws IOException {
        Path x = unpack(TestBundles.rootfs(TestImages.mixed(50_000, 3)).signedBy(TestBundles.signer()));
        byte[] manifest = Files.readAllBytes(x.resolve("manifest.json"));
        manifest[manifest.length / 2] ^= 1;
        Files.write(x.resolve("manifest.json"), manifest);
        ExternalTool.Result r = verify(x, TestBundles.devCa().caPem().toString(), true);
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.output()).contains("Verification failure");
    }

    @Test
    void tarExtractsTheExactSignedBytes() throws IOException {
        TestBundles.Builder builder = TestBundles.rootfs(TestImages.mixed(50_000, 4));
        byte[] bundle = builder.bytes(dir);
        Files.write(dir.resolve("b.tandem"), bundle);
        Path x = Files.createDirectories(dir.resolve("x"));
        ExternalTool.ok(x, "tar", "-xf", "../b.tandem");
        for (TarBytes.Entry e : TarBytes.layout(bundle).entries()) {
            assertThat(Files.readAllBytes(x.resolve(e.name()))).as(e.name()).isEqualTo(TarBytes.data(bundle, e));
        }
    }

    private Path unpack(TestBundles.Builder builder) throws IOException {
        Path bundle = dir.resolve("b.tandem");
        builder.writeTo(bundle);
        Path x = Files.createDirectories(dir.resolve("x"));
        ExternalTool.ok(x, "tar", "-xf", bundle.toString(), "manifest.json", "manifest.json.p7s");
        return x;
    }

    private static ExternalTool.Result verify(Path x, String caPem, boolean purposeAny) {
        List<String> command = new ArrayList<>(List.of("openssl", "cms", "-verify", "-binary", "-inform", "DER",
                "-in", "manifest.json.p7s", "-content", "manifest.json", "-CAfile", caPem, "-out", "/dev/null"));
        if (purposeAny) {
            command.addAll(List.of("-purpose", "any"));
        }
        return ExternalTool.run(x, command.toArray(String[]::new));
    }
}
