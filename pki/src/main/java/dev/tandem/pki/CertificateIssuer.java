package dev.tandem.pki;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues X.509 certificates: self-signed roots, intermediate CAs and code-signing leaves. Used by
 * {@code tandem pki issue} and by tests throughout tandem to build chains (expired, not yet valid, wrong
 * key usage, SHA-1 signed, RSA-1024, …), so every field that verification judges can be set.
 *
 * <p>A fluent builder: configure, then {@link #issue()}. Defaults: a code-signing leaf (keyUsage
 * digitalSignature, EKU codeSigning) with a new ECDSA P-256 key, valid from 5 minutes ago for one year,
 * signed with SHA-256. Not thread-safe; use one instance per certificate (or per batch in one thread).
 *
 * <pre>{@code
 * IssuedCertificate root = CertificateIssuer.selfSigned().subject("test root").ca().issue();
 * IssuedCertificate signer = root.issuer().subject("release signer").issue();
 * }</pre>
 */
public final class CertificateIssuer {

    /** X.509 key usage bits (RFC 5280 §4.2.1.3). */
    public enum KeyUsage {
        DIGITAL_SIGNATURE(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature),
        NON_REPUDIATION(org.bouncycastle.asn1.x509.KeyUsage.nonRepudiation),
        KEY_ENCIPHERMENT(org.bouncycastle.asn1.x509.KeyUsage.keyEncipherment),
        DATA_ENCIPHERMENT(org.bouncycastle.asn1.x509.KeyUsage.dataEncipherment),
        KEY_AGREEMENT(org.bouncycastle.asn1.x509.KeyUsage.keyAgreement),
        KEY_CERT_SIGN(org.bouncycastle.asn1.x509.KeyUsage.keyCertSign),
        CRL_SIGN(org.bouncycastle.asn1.x509.KeyUsage.cRLSign);

        final int bit;

        KeyUsage(int bit) {
            this.bit = bit;
        }
    }

    /** Extended key usages (RFC 5280 §4.2.1.12) that tandem's certificates and tests need. */
    public enum ExtendedKeyUsage {
        CODE_SIGNING(KeyPurposeId.id_kp_codeSigning),
        EMAIL_PROTECTION(KeyPurposeId.id_kp_emailProtection),
        SERVER_AUTH(KeyPurposeId.id_kp_serverAuth),
        CLIENT_AUTH(KeyPurposeId.id_kp_clientAuth),
        ANY(KeyPurposeId.anyExtendedKeyUsage);

        final KeyPurposeId id;

        ExtendedKeyUsage(KeyPurposeId id) {
            this.id = id;
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate issuerCertificate; // null: self-signed
    private final PrivateKey issuerKey;              // null: self-signed, sign with the subject's own key
    private X500Name subject = commonName("tandem certificate");
    private Instant notBefore;
    private Instant notAfter;
    private String keyAlgorithm = "EC";
    private int rsaBits;
    private String curve = "secp256r1";
    private KeyPair keyPair;
    private PublicKey publicKey;
    private boolean ca;
    private Integer pathLength;
    private Set<KeyUsage> keyUsage = EnumSet.of(KeyUsage.DIGITAL_SIGNATURE);
    private List<ExtendedKeyUsage> extendedKeyUsage = List.of(ExtendedKeyUsage.CODE_SIGNING);
    private String signatureAlgorithm;
    private BigInteger serial;
    private boolean noExtensions;

    private CertificateIssuer(X509Certificate issuerCertificate, PrivateKey issuerKey) {
        this.issuerCertificate = issuerCertificate;
        this.issuerKey = issuerKey;
    }

    /** Issues a self-signed certificate (usually a root: add {@link #ca()}). */
    public static CertificateIssuer selfSigned() {
        return new CertificateIssuer(null, null);
    }

    /** Issues certificates signed by a CA certificate and its private key. */
    public static CertificateIssuer signedBy(X509Certificate caCertificate, PrivateKey caKey) {
        return new CertificateIssuer(Objects.requireNonNull(caCertificate, "caCertificate"),
                Objects.requireNonNull(caKey, "caKey"));
    }

    /** Issues certificates signed by an issued CA certificate. */
    public static CertificateIssuer signedBy(IssuedCertificate ca) {
        if (ca.privateKey() == null) {
            throw new IllegalArgumentException("CA " + SubjectName.quoted(ca.certificate()) + " has no private key here");
        }
        return signedBy(ca.certificate(), ca.privateKey());
    }

    /** Issues certificates signed by the CA in PEM files (first certificate of {@code caCertificatePem}). */
    public static CertificateIssuer signedBy(Path caCertificatePem, Path caKeyPem) {
        List<X509Certificate> certs = Pem.certificates(Pem.read(caCertificatePem, "CA certificate"),
                caCertificatePem, "CA certificate");
        if (certs.isEmpty()) {
            throw new KeyMaterialException("CA certificate " + caCertificatePem + ": no certificate in the file");
        }
        PrivateKey key = Pem.privateKey(caKeyPem);
        KeyMatch.check(certs.get(0), key, null, "CA key " + caKeyPem);
        return signedBy(certs.get(0), key);
    }

    /** Subject with this common name only. */
    public CertificateIssuer subject(String commonName) {
        this.subject = commonName(commonName);
        return this;
    }

    /** Subject as an RFC 2253 distinguished name, e.g. {@code "CN=release 2026,O=Acme"}. */
    public CertificateIssuer subjectDn(String distinguishedName) {
        // Through X500Principal, so the string reads as RFC 2253 (most specific first, as the JDK, openssl
        // -nameopt RFC2253 and allowed-signers matching read it), not in Bouncy Castle's encoding order.
        this.subject = X500Name.getInstance(new X500Principal(distinguishedName).getEncoded());
        return this;
    }

    /** Validity period; either may be in the past or the future. */
    public CertificateIssuer validity(Instant notBefore, Instant notAfter) {
        if (!notBefore.isBefore(notAfter)) {
            throw new IllegalArgumentException("notBefore " + notBefore + " is not before notAfter " + notAfter);
        }
        this.notBefore = notBefore;
        this.notAfter = notAfter;
        return this;
    }

    /** Valid from 5 minutes ago (clock skew) for {@code duration}. */
    public CertificateIssuer validFor(Duration duration) {
        Instant start = Instant.now().minus(Duration.ofMinutes(5));
        return validity(start, start.plus(duration));
    }

    /** A new key of this type (the default is {@link DevCa.KeyType#EC_P256}). */
    public CertificateIssuer keyType(DevCa.KeyType type) {
        return switch (type) {
            case EC_P256 -> ecKey("secp256r1");
            case RSA_2048 -> rsaKey(2048);
            case RSA_3072 -> rsaKey(3072);
            case RSA_4096 -> rsaKey(4096);
        };
    }

    /** A new RSA key of any size, including sizes verification refuses (tests). */
    public CertificateIssuer rsaKey(int bits) {
        this.keyAlgorithm = "RSA";
        this.rsaBits = bits;
        this.keyPair = null;
        this.publicKey = null;
        return this;
    }

    /** A new EC key on a named curve the JDK supports, e.g. {@code secp384r1}. */
    public CertificateIssuer ecKey(String curveName) {
        this.keyAlgorithm = "EC";
        this.curve = curveName;
        this.keyPair = null;
        this.publicKey = null;
        return this;
    }

    /** Certify this existing key pair instead of generating one. */
    public CertificateIssuer keyPair(KeyPair pair) {
        this.keyPair = pair;
        this.publicKey = null;
        return this;
    }

    /** Certify an existing public key whose private key stays elsewhere (e.g. in a PKCS#11 token). */
    public CertificateIssuer publicKey(PublicKey key) {
        this.publicKey = key;
        this.keyPair = null;
        return this;
    }

    /** A CA: basicConstraints CA:true (critical), keyUsage keyCertSign + cRLSign, no EKU. */
    public CertificateIssuer ca() {
        this.ca = true;
        this.keyUsage = EnumSet.of(KeyUsage.KEY_CERT_SIGN, KeyUsage.CRL_SIGN);
        this.extendedKeyUsage = List.of();
        return this;
    }

    /** A CA whose pathLenConstraint is {@code pathLength}. */
    public CertificateIssuer ca(int pathLength) {
        ca();
        this.pathLength = pathLength;
        return this;
    }

    /** A code-signing leaf (the default): CA:false, keyUsage digitalSignature, EKU codeSigning. */
    public CertificateIssuer codeSigning() {
        this.ca = false;
        this.pathLength = null;
        this.keyUsage = EnumSet.of(KeyUsage.DIGITAL_SIGNATURE);
        this.extendedKeyUsage = List.of(ExtendedKeyUsage.CODE_SIGNING);
        return this;
    }

    /** Exactly these key usage bits; none at all omits the extension. */
    public CertificateIssuer keyUsage(KeyUsage... usages) {
        this.keyUsage = usages.length == 0 ? EnumSet.noneOf(KeyUsage.class) : EnumSet.of(usages[0], usages);
        return this;
    }

    /** Exactly these extended key usages; none at all omits the extension. */
    public CertificateIssuer extendedKeyUsage(ExtendedKeyUsage... usages) {
        this.extendedKeyUsage = List.of(usages);
        return this;
    }

    /** JCA name of the algorithm the issuer signs with, e.g. {@code SHA1withRSA} for a weak test certificate. */
    public CertificateIssuer signatureAlgorithm(String jcaName) {
        this.signatureAlgorithm = jcaName;
        return this;
    }

    /** Serial number (default: 127 random bits), e.g. to make two certificates a CRL can tell apart. */
    public CertificateIssuer serial(BigInteger serialNumber) {
        this.serial = serialNumber;
        return this;
    }

    /**
     * No extensions at all: the smallest certificate that still names a subject and an issuer and carries a
     * signature (tests of hostile signatures that pack as many certificates as 64 KiB holds).
     */
    public CertificateIssuer noExtensions() {
        this.noExtensions = true;
        return this;
    }

    /** Makes the certificate. */
    public IssuedCertificate issue() {
        KeyPair subjectPair = keyPair;
        PublicKey subjectKey = publicKey;
        if (subjectKey == null) {
            if (subjectPair == null) {
                subjectPair = generateKeyPair();
            }
            subjectKey = subjectPair.getPublic();
        }
        PrivateKey signingKey = issuerKey;
        if (issuerCertificate == null) {
            if (subjectPair == null) {
                throw new IllegalStateException("a self-signed certificate needs its private key; "
                        + "publicKey(...) cannot be combined with selfSigned()");
            }
            signingKey = subjectPair.getPrivate();
        }
        Instant start = notBefore != null ? notBefore : Instant.now().minus(Duration.ofMinutes(5));
        Instant end = notAfter != null ? notAfter : start.plus(Duration.ofDays(365));
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X500Name issuerName = issuerCertificate == null ? subject
                    : X500Name.getInstance(issuerCertificate.getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName,
                    serial != null ? serial : new BigInteger(127, RANDOM).setBit(0),
                    Date.from(start), Date.from(end), subject, subjectKey);
            if (noExtensions) {
                return sign(builder, signingKey, subjectPair);
            }
            builder.addExtension(Extension.basicConstraints, true,
                    ca ? (pathLength != null ? new BasicConstraints(pathLength) : new BasicConstraints(true))
                            : new BasicConstraints(false));
            if (!keyUsage.isEmpty()) {
                int bits = 0;
                for (KeyUsage u : keyUsage) {
                    bits |= u.bit;
                }
                builder.addExtension(Extension.keyUsage, true, new org.bouncycastle.asn1.x509.KeyUsage(bits));
            }
            if (!extendedKeyUsage.isEmpty()) {
                List<KeyPurposeId> ids = new ArrayList<>();
                extendedKeyUsage.forEach(u -> ids.add(u.id));
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new org.bouncycastle.asn1.x509.ExtendedKeyUsage(ids.toArray(KeyPurposeId[]::new)));
            }
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false, issuerCertificate == null
                    ? ext.createAuthorityKeyIdentifier(subjectKey)
                    : ext.createAuthorityKeyIdentifier(issuerCertificate.getPublicKey()));
            return sign(builder, signingKey, subjectPair);
        } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
            throw new IllegalStateException("cannot issue certificate for " + subject + ": " + Pem.oneLine(e), e);
        }
    }

    private IssuedCertificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey, KeyPair subjectPair)
            throws GeneralSecurityException, OperatorCreationException {
        String algorithm = signatureAlgorithm != null ? signatureAlgorithm : KeyMatch.signatureAlgorithm(signingKey);
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder(algorithm).build(signingKey)));
        return new IssuedCertificate(cert, subjectPair == null ? null : subjectPair.getPrivate());
    }

    private KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(keyAlgorithm);
            if (keyAlgorithm.equals("RSA")) {
                generator.initialize(rsaBits, RANDOM);
            } else {
                generator.initialize(new ECGenParameterSpec(curve), RANDOM);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot generate a " + keyAlgorithm + " key ("
                    + (keyAlgorithm.equals("RSA") ? rsaBits + " bits" : curve) + "): " + Pem.oneLine(e), e);
        }
    }

    private static X500Name commonName(String cn) {
        // The value as is: given as a String, Bouncy Castle would read a leading '#' as hex-encoded DER.
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, new DERUTF8String(cn)).build();
    }
}
