package dev.tandem.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tandem.testsupport.ExternalTool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tandem.pki.SignatureException.Reason;

/**
 * {@code allowed-signers}: an entry with '=' is a distinguished name compared as one (in the order written or
 * reversed), an entry without '=' is the one CN of the subject; refusals print the subject as openssl does.
 */
class AllowedSignersTest {

    private static final TestPki PKI = new TestPki("acme");
    private static final byte[] MANIFEST = "{\"format\":1}".getBytes(StandardCharsets.UTF_8);

    private static IssuedCertificate withCn(String cn) {
        return PKI.signers().subject(cn).issue();
    }

    private static IssuedCertificate withDn(String rfc2253) {
        return PKI.signers().subjectDn(rfc2253).issue();
    }

    private static List<java.security.cert.X509Certificate> verify(IssuedCertificate signer, String... allowed) {
        TrustPolicy policy = new TrustPolicy(Instant.now(), null, true, 1, List.of(allowed));
        return new CmsVerifier(PKI.keyring(), policy).verify(MANIFEST, PKI.sign(MANIFEST, signer));
    }

    private static SignatureException refusal(IssuedCertificate signer, String... allowed) {
        SignatureException e = catchThrowableOfType(() -> verify(signer, allowed), SignatureException.class);
        assertThat(e).as("signer %s with allowed-signers %s", SubjectName.of(signer.certificate()), List.of(allowed))
                .isNotNull();
        assertThat(e.reason()).isEqualTo(Reason.SIGNER_NOT_ALLOWED);
        return e;
    }

    @Test
    void refusesACommonNameThatSpellsTheAllowedDistinguishedName() {
        IssuedCertificate impostor = withCn("CN=release,O=Acme");
        SignatureException e = refusal(impostor, "CN=release,O=Acme");
        assertThat(e.getMessage()).isEqualTo("signature: signer \"CN = \"CN=release,O=Acme\"\" is trusted but not"
                + " among the allowed signers [CN=release,O=Acme]");
        // The same entry does name the real subject.
        assertThat(verify(withDn("CN=release,O=Acme"), "CN=release,O=Acme")).hasSize(1);
    }

    @Test
    void refusesASubjectWithTwoCommonNamesForAnEntryNamingOne() {
        IssuedCertificate twoNames = withDn("CN=release,CN=intern");
        refusal(twoNames, "release");
        refusal(twoNames, "intern");
        refusal(twoNames, "CN=release");
        refusal(twoNames, "CN=intern");
        assertThat(verify(twoNames, "CN=release,CN=intern")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"CN=release,O=Acme,C=DE", "C=DE,O=Acme,CN=release", "C = DE, O = Acme, CN = release",
        "cn=RELEASE, o=acme, c=de", "CN=release, O=\"Acme\", C=DE"})
    void acceptsTheDistinguishedNameInEitherOrder(String entry) {
        assertThat(verify(withDn("CN=release,O=Acme,C=DE"), entry)).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"CN=release", "CN=release,O=Acme", "CN=release,O=Acme,C=DE,OU=x", "O=Acme,CN=release,C=DE",
        "CN=release,O=Other,C=DE", "Release"})
    void refusesADistinguishedNameThatDiffers(String entry) {
        refusal(withDn("CN=release,O=Acme,C=DE"), entry);
    }

    @Test
    void matchesAPlainEntryWithTheOnlyCommonNameExactly() {
        assertThat(verify(withDn("CN=release,O=Acme"), "release")).hasSize(1);
        refusal(withDn("CN=release,O=Acme"), "Release");
        refusal(withDn("CN=release,O=Acme"), "Acme");
    }

    @Test
    void refusesAnEntryThatIsNotADistinguishedNameAndSaysSo() {
        SignatureException e = refusal(PKI.signer, "release=yes");
        assertThat(e.getMessage()).startsWith("signature: allowed-signers entry \"release=yes\" is not a"
                + " distinguished name (");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "CN=release,O=Acme", "a\"b\\c", " lead", "trail ", "#hash", "a#b", "h\u00e9llo",
        "x\u0001y", "del\u007f", "semi;colon<>", "a+b", "\u65e5\u672c", "a=b"})
    void printsTheSubjectAsOpensslDoesAndThatFormIsAValidEntry(String cn, @TempDir Path dir) {
        ExternalTool.assume("openssl");
        IssuedCertificate cert = withCn(cn);
        cert.writeCertificate(dir.resolve("c.pem"));
        String printed = ExternalTool.ok(dir, "openssl", "x509", "-in", "c.pem", "-noout", "-subject").strip();
        assertThat("subject=" + SubjectName.openSsl(cert.certificate())).isEqualTo(printed);
        assertThat(verify(cert, SubjectName.openSsl(cert.certificate()))).hasSize(1);
    }

    @Test
    void printsMultiValuedAndSeveralRdnsAsOpensslDoes(@TempDir Path dir) {
        ExternalTool.assume("openssl");
        IssuedCertificate cert = withDn("CN=release+UID=42,OU=ops\\, build,O=Acme,DC=example,C=DE,EMAILADDRESS=a@b");
        cert.writeCertificate(dir.resolve("c.pem"));
        String printed = ExternalTool.ok(dir, "openssl", "x509", "-in", "c.pem", "-noout", "-subject").strip();
        assertThat("subject=" + SubjectName.openSsl(cert.certificate())).isEqualTo(printed);
        assertThat(verify(cert, SubjectName.openSsl(cert.certificate()))).hasSize(1);
        assertThat(verify(cert, SubjectName.of(cert.certificate()))).hasSize(1);
    }
}
