package dev.tandem.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A development-only PKI: a self-signed CA and a code-signing certificate issued by it.
 * Writes {@code ca.pem}, {@code signer.pem}, {@code signer.key} (PKCS#8 PEM, mode 0600) and
 * {@code keyring.pem} (the CA certificate, for a device's {@code keyring}). Every file starts with comment
 * lines saying it is for development only; openssl and tandem skip text before the PEM block.
 */
public final class DevCa {

    /** Backdating covers devices and build hosts whose clocks run a little behind. */
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final Duration CA_VALIDITY = Duration.ofDays(3653);     // 10 years
    private static final Duration SIGNER_VALIDITY = Duration.ofDays(1826); // 5 years
    private static final String WARNING = "DEVELOPMENT ONLY: never ship this key material on a product";

    private DevCa() {
    }

    /** Key type of the CA and signer. */
    public enum KeyType { EC_P256, RSA_2048, RSA_3072, RSA_4096 }

    /**
     * Creates the four files in {@code outDir} (created if missing).
     *
     * @throws KeyMaterialException if any of the files already exists (nothing is overwritten) or cannot be written
     */
    public static void create(Path outDir, KeyType keyType) {
        Path ca = outDir.resolve("ca.pem");
        Path signer = outDir.resolve("signer.pem");
        Path key = outDir.resolve("signer.key");
        Path keyring = outDir.resolve("keyring.pem");
        // Check all four first, so that a refusal leaves no half-made CA behind; Pem.writeNew still
        // creates each file exclusively, which closes the race with another writer.
        for (Path p : List.of(ca, signer, key, keyring)) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new KeyMaterialException(p + ": already exists, refusing to overwrite it");
            }
        }
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new KeyMaterialException(outDir + ": cannot create directory (" + Pem.oneLine(e) + ")", e);
        }
        Instant start = Instant.now().minus(BACKDATE);
        IssuedCertificate caCert = CertificateIssuer.selfSigned()
                .subjectDn("CN=tandem development CA (DEVELOPMENT ONLY),O=tandem development")
                .keyType(keyType).ca().validity(start, start.plus(CA_VALIDITY)).issue();
        IssuedCertificate signerCert = caCert.issuer()
                .subjectDn("CN=tandem development signer (DEVELOPMENT ONLY),O=tandem development")
                .keyType(keyType).validity(start, start.plus(SIGNER_VALIDITY))
                // emailProtection besides codeSigning: OpenSSL 3.0's "cms -verify" checks the S/MIME
                // signing purpose unless given "-purpose any", and refuses a certificate whose EKU lacks
                // emailProtection. With both, the command in ARCHITECTURE.md §3 works as written.
                .extendedKeyUsage(CertificateIssuer.ExtendedKeyUsage.CODE_SIGNING,
                        CertificateIssuer.ExtendedKeyUsage.EMAIL_PROTECTION)
                .issue();
        caCert.writeCertificate(ca, "tandem development CA certificate", WARNING);
        signerCert.writeCertificate(signer, "tandem development signer certificate (issued by ca.pem)", WARNING);
        signerCert.writePrivateKey(key, "tandem development signer private key (unencrypted)", WARNING);
        caCert.writeCertificate(keyring, "tandem keyring: trust anchors for bundle signatures", WARNING);
    }
}
