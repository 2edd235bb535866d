package dev.tandem.cli;

import dev.tandem.pki.CertificateIssuer;
import dev.tandem.pki.DevCa;
import dev.tandem.pki.IssuedCertificate;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem pki issue}: a code-signing certificate (or, with {@code --ca}, an intermediate CA) issued by an
 * existing CA: a second signer for {@code signatures-required = 2}, the new key of a key rotation, a release CA
 * under an offline root. The certificate file also holds the issuing CA's certificates when that CA is not a
 * root, so that signatures embed the intermediates a device needs to reach its keyring.
 */
@Command(name = "issue", header = "Issue a signing certificate (or an intermediate CA) from an existing CA.",
        sortOptions = false)
final class PkiIssueCommand implements Callable<Integer> {

    /** Backdating covers devices whose clocks run a little behind (as DevCa does). */
    private static final Duration BACKDATE = Duration.ofHours(1);

    @Option(names = "--ca-cert", required = true, paramLabel = "PEM",
            description = "The issuing CA's certificate (first in the file; its own chain may follow).")
    Path caCert;

    @Option(names = "--ca-key", required = true, paramLabel = "PEM", description = "The issuing CA's private key.")
    Path caKey;

    @Option(names = "--subject", required = true, paramLabel = "DN",
            description = "Subject, e.g. \"CN=release 2027,O=Acme\" (a plain name is taken as the CN).")
    String subject;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for NAME.pem and NAME.key.")
    Path out;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "File name stem.")
    String name;

    @Option(names = "--ca", description = "Issue an intermediate CA instead of a code-signing certificate.")
    boolean ca;

    @Option(names = "--days", defaultValue = "1826", description = "Validity in days (default 1826).")
    int days;

    @Option(names = "--rsa", paramLabel = "BITS", description = "An RSA key of 2048, 3072 or 4096 bits instead of ECDSA P-256.")
    Integer rsaBits;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new UsageException("--name '" + name + "' must be a plain file name stem");
        }
        if (days < 1) {
            throw new UsageException("--days must be at least 1");
        }
        DevCa.KeyType type = PkiCommand.keyType(rsaBits);
        Path certFile = out.resolve(name + ".pem");
        Path keyFile = out.resolve(name + ".key");
        for (Path p : List.of(certFile, keyFile)) {
            if (Files.exists(p)) {
                throw new UsageException(p + " already exists; refusing to overwrite it");
            }
        }
        CertificateIssuer issuer = CertificateIssuer.signedBy(caCert, caKey);
        issuer = subject.contains("=") ? issuer.subjectDn(subject) : issuer.subject(subject);
        Instant start = Instant.now().minus(BACKDATE);
        issuer.keyType(type).validity(start, start.plus(Duration.ofDays(days)));
        if (ca) {
            issuer.ca();
        } else {
            // emailProtection besides codeSigning, as DevCa does: OpenSSL 3.0's "cms -verify" checks the S/MIME
            // purpose unless given "-purpose any".
            issuer.codeSigning().extendedKeyUsage(CertificateIssuer.ExtendedKeyUsage.CODE_SIGNING,
                    CertificateIssuer.ExtendedKeyUsage.EMAIL_PROTECTION);
        }
        IssuedCertificate cert = issuer.issue();
        List<X509Certificate> chain = new ArrayList<>(List.of(cert.certificate()));
        for (X509Certificate c : certificates(caCert)) {
            if (!c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                chain.add(c); // an intermediate on the way to the root; roots belong in keyrings only
            }
        }
        Files.createDirectories(out);
        StringBuilder pem = new StringBuilder("# " + subject + ", issued by "
                + chain.get(0).getIssuerX500Principal().getName() + "\n");
        for (X509Certificate c : chain) {
            pem.append(pem(c));
        }
        Files.writeString(certFile, pem, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        cert.writePrivateKey(keyFile, subject + " private key (unencrypted; keep it offline or in an HSM)");
        PrintWriter o = spec.commandLine().getOut();
        o.printf("issued %s %s: %s and %s (valid until %s)%n", ca ? "intermediate CA" : "signer", subject, certFile,
                keyFile, cert.certificate().getNotAfter().toInstant());
        o.flush();
        return 0;
    }

    private static List<X509Certificate> certificates(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (CertificateException e) {
            throw new UsageException("--ca-cert " + file + ": not a PEM certificate file (" + e.getMessage() + ")");
        }
    }

    private static String pem(X509Certificate c) {
        try {
            return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                    .encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
