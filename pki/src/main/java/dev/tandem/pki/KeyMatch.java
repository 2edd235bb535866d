package dev.tandem.pki;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.cert.X509Certificate;

/** Which signature algorithm a key signs with, and whether a private key belongs to a certificate. */
final class KeyMatch {

    private static final byte[] CHALLENGE = "tandem: does this key belong to this certificate?"
            .getBytes(StandardCharsets.US_ASCII);

    private KeyMatch() {
    }

    /** SHA-256 with the key's algorithm: ECDSA, or RSA PKCS#1 v1.5 (what openssl and RAUC use by default). */
    static String signatureAlgorithm(Key key) {
        return switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new KeyMaterialException("key algorithm " + key.getAlgorithm()
                    + " is not supported (use ECDSA or RSA)");
        };
    }

    /**
     * Signs a fixed challenge with {@code key} and verifies it with the certificate's public key. This works
     * the same for keys in files and keys in tokens, whose private parts cannot be compared directly.
     *
     * @param provider the provider that holds {@code key} (a SunPKCS11 instance), or null for the defaults
     * @param what     names the key in the error, e.g. "private key /etc/signer.key"
     */
    static void check(X509Certificate cert, PrivateKey key, Provider provider, String what) {
        if (!key.getAlgorithm().equals(cert.getPublicKey().getAlgorithm())) {
            throw new KeyMaterialException(what + ": is an " + key.getAlgorithm() + " key but certificate "
                    + SubjectName.quoted(cert) + " holds an " + cert.getPublicKey().getAlgorithm() + " key");
        }
        String algorithm = signatureAlgorithm(key);
        boolean matches;
        try {
            Signature signer = provider == null ? Signature.getInstance(algorithm)
                    : Signature.getInstance(algorithm, provider);
            signer.initSign(key);
            signer.update(CHALLENGE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(CHALLENGE);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            // SunPKCS11 reports token failures as ProviderException (unchecked).
            throw new KeyMaterialException(what + ": cannot sign with it (" + Pem.oneLine(e) + ")", e);
        }
        if (!matches) {
            throw new KeyMaterialException(what + ": does not match the public key of certificate "
                    + SubjectName.quoted(cert));
        }
    }
}
