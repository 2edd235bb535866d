package dev.tandem.pki;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;

import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues a CRL signed by a CA, revoking certificates by serial number. A fluent builder like
 * {@link CertificateIssuer}; not thread-safe. Put the result in a keyring with {@link #toPem(X509CRL)}.
 *
 * <pre>{@code
 * X509CRL crl = CrlIssuer.by(root).revoke(signer.certificate()).issue();
 * }</pre>
 */
public final class CrlIssuer {

    private record Revocation(BigInteger serial, Instant when) {
    }

    private final X509Certificate caCertificate;
    private final PrivateKey caKey;
    private final List<Revocation> revocations = new ArrayList<>();
    private Instant thisUpdate;
    private Instant nextUpdate;
    private BigInteger number = BigInteger.ONE;

    private CrlIssuer(X509Certificate caCertificate, PrivateKey caKey) {
        this.caCertificate = Objects.requireNonNull(caCertificate, "caCertificate");
        this.caKey = Objects.requireNonNull(caKey, "caKey");
    }

    /** A CRL signed by this CA certificate and key. */
    public static CrlIssuer by(X509Certificate caCertificate, PrivateKey caKey) {
        return new CrlIssuer(caCertificate, caKey);
    }

    /** A CRL signed by an issued CA. */
    public static CrlIssuer by(IssuedCertificate ca) {
        return by(ca.certificate(), ca.privateKey());
    }

    /** Revokes a certificate issued by this CA, as of now. */
    public CrlIssuer revoke(X509Certificate certificate) {
        if (!certificate.getIssuerX500Principal().equals(caCertificate.getSubjectX500Principal())) {
            throw new IllegalArgumentException(SubjectName.quoted(certificate) + " was not issued by "
                    + SubjectName.quoted(caCertificate));
        }
        return revoke(certificate.getSerialNumber(), Instant.now());
    }

    /** Revokes a serial number as of {@code when}. */
    public CrlIssuer revoke(BigInteger serial, Instant when) {
        revocations.add(new Revocation(serial, when));
        return this;
    }

    /** thisUpdate and nextUpdate (default: now, and 30 days later). */
    public CrlIssuer validity(Instant thisUpdate, Instant nextUpdate) {
        this.thisUpdate = thisUpdate;
        this.nextUpdate = nextUpdate;
        return this;
    }

    /** The CRL number extension's value (default 1); a CA increases it with every CRL it issues. */
    public CrlIssuer number(BigInteger crlNumber) {
        this.number = crlNumber;
        return this;
    }

    /** Signs the CRL with SHA-256. */
    public X509CRL issue() {
        Instant start = thisUpdate != null ? thisUpdate : Instant.now();
        Instant end = nextUpdate != null ? nextUpdate : start.plus(Duration.ofDays(30));
        try {
            X509v2CRLBuilder builder = new JcaX509v2CRLBuilder(caCertificate.getSubjectX500Principal(), Date.from(start));
            builder.setNextUpdate(Date.from(end));
            for (Revocation r : revocations) {
                builder.addCRLEntry(r.serial(), Date.from(r.when()), CRLReason.unspecified);
            }
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCertificate));
            return new JcaX509CRLConverter().getCRL(
                    builder.build(new JcaContentSignerBuilder(KeyMatch.signatureAlgorithm(caKey)).build(caKey)));
        } catch (CRLException | OperatorCreationException | CertIOException | CertificateEncodingException
                 | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot issue CRL: " + Pem.oneLine(e), e);
        }
    }

    /** PEM text ("X509 CRL") of a CRL, for appending to a keyring file. */
    public static String toPem(X509CRL crl) {
        return Pem.encode(List.of(), List.of(crl));
    }

    /** Writes a CRL as PEM; refuses to overwrite. */
    public static void write(X509CRL crl, Path file) {
        Pem.writeNew(file, toPem(crl), false);
    }
}
