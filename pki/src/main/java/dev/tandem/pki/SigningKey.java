package dev.tandem.pki;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A signer: certificate, the private key that goes with it (a PKCS#8 PEM file or a {@code pkcs11:} URI),
 * and intermediate certificates to embed in the signature. Loading checks that the key belongs to the
 * certificate, so a mix-up fails here and not on the device. Immutable and thread-safe.
 */
public final class SigningKey {

    private final X509Certificate certificate;
    private final List<X509Certificate> intermediates;
    private final PrivateKey privateKey;
    private final Provider provider; // null: the JDK's default providers

    private SigningKey(X509Certificate certificate, List<X509Certificate> intermediates, PrivateKey privateKey,
                       Provider provider) {
        this.certificate = certificate;
        this.intermediates = List.copyOf(intermediates);
        this.privateKey = privateKey;
        this.provider = provider;
    }

    /**
     * @param certificatePem signer certificate (PEM); further certificates in the same file are intermediates
     * @param keyRef         a PEM private key path (PKCS#8, or traditional EC/RSA; unencrypted), or an RFC 7512
     *                       {@code pkcs11:} URI: {@code token}, {@code manufacturer}, {@code model},
     *                       {@code serial}, {@code slot-id} choose the token; {@code object} (label) and/or
     *                       {@code id} choose the key, which needs a certificate object with the same CKA_ID
     *                       on the token (SunPKCS11 shows no other keys); query {@code module-path} (required),
     *                       {@code pin-value} or {@code pin-source} (file). Example:
     *                       {@code pkcs11:token=build;object=signer?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=/run/pin}
     * @throws KeyMaterialException naming the file or URI and the problem
     */
    public static SigningKey load(Path certificatePem, String keyRef) {
        List<X509Certificate> certs = Pem.certificates(Pem.read(certificatePem, "certificate"),
                certificatePem, "certificate");
        if (certs.isEmpty()) {
            throw new KeyMaterialException("certificate " + certificatePem + ": no certificate in the file");
        }
        X509Certificate cert = certs.get(0);
        List<X509Certificate> chain = certs.subList(1, certs.size());
        if (keyRef.startsWith("pkcs11:")) {
            Pkcs11KeyLoader.LoadedKey loaded = Pkcs11KeyLoader.load(keyRef);
            KeyMatch.check(cert, loaded.key(), loaded.provider(), "key " + loaded.redactedUri());
            return new SigningKey(cert, chain, loaded.key(), loaded.provider());
        }
        PrivateKey key = Pem.privateKey(Path.of(keyRef));
        KeyMatch.check(cert, key, null, "private key " + keyRef);
        return new SigningKey(cert, chain, key, null);
    }

    /** A signer from objects in memory (tests, or keys obtained elsewhere); checks that key and certificate match. */
    public static SigningKey of(X509Certificate certificate, PrivateKey privateKey,
                                List<X509Certificate> intermediates) {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        KeyMatch.check(certificate, privateKey, null, "private key for " + SubjectName.quoted(certificate));
        return new SigningKey(certificate, intermediates, privateKey, null);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public List<X509Certificate> intermediates() {
        return intermediates;
    }

    /** A Bouncy Castle signer for one CMS SignerInfo: SHA-256 with ECDSA or RSA PKCS#1 v1.5. */
    ContentSigner contentSigner() {
        JcaContentSignerBuilder builder = new JcaContentSignerBuilder(KeyMatch.signatureAlgorithm(privateKey));
        if (provider != null) {
            builder.setProvider(provider);
        }
        try {
            return builder.build(privateKey);
        } catch (OperatorCreationException e) {
            throw new KeyMaterialException("signer " + SubjectName.quoted(certificate) + ": cannot sign ("
                    + Pem.oneLine(e) + ")", e);
        }
    }
}
