package dev.tandem.pki;

import java.io.IOException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import java.util.Set;

import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Which algorithms and key sizes signatures may use. Allow-lists rather than deny-lists: an algorithm
 * nobody thought about (MD2, DSA, GOST, a typo'd OID) is refused, not waved through.
 * Refusals are {@link SignatureException.Reason#WEAK_ALGORITHM}; the returned text is the problem only.
 */
final class AlgorithmPolicy {

    static final int MIN_RSA_BITS = 2048;
    static final int MIN_EC_BITS = 256;
    /**
     * Above these, one signature check costs a hundred ordinary ones (a 16384-bit key with a 64-bit exponent,
     * which the JDK accepts: ~100 ms), and a signature may embed such keys without any trusted key.
     */
    static final int MAX_RSA_BITS = 8192;
    static final int MAX_RSA_EXPONENT_BITS = 32;

    private static final Map<String, String> DIGESTS = Map.of(
            NISTObjectIdentifiers.id_sha256.getId(), "SHA-256",
            NISTObjectIdentifiers.id_sha384.getId(), "SHA-384",
            NISTObjectIdentifiers.id_sha512.getId(), "SHA-512");

    /** SignerInfo signatureAlgorithm values; with rsaEncryption and id-ecPublicKey the hash is the digest's. */
    private static final Set<String> CMS_SIGNATURES = Set.of(
            PKCSObjectIdentifiers.rsaEncryption.getId(),
            PKCSObjectIdentifiers.sha256WithRSAEncryption.getId(),
            PKCSObjectIdentifiers.sha384WithRSAEncryption.getId(),
            PKCSObjectIdentifiers.sha512WithRSAEncryption.getId(),
            PKCSObjectIdentifiers.id_RSASSA_PSS.getId(),
            X9ObjectIdentifiers.id_ecPublicKey.getId(),
            X9ObjectIdentifiers.ecdsa_with_SHA256.getId(),
            X9ObjectIdentifiers.ecdsa_with_SHA384.getId(),
            X9ObjectIdentifiers.ecdsa_with_SHA512.getId());

    private static final Set<String> CERTIFICATE_SIGNATURES = Set.of(
            PKCSObjectIdentifiers.sha256WithRSAEncryption.getId(),
            PKCSObjectIdentifiers.sha384WithRSAEncryption.getId(),
            PKCSObjectIdentifiers.sha512WithRSAEncryption.getId(),
            PKCSObjectIdentifiers.id_RSASSA_PSS.getId(),
            X9ObjectIdentifiers.ecdsa_with_SHA256.getId(),
            X9ObjectIdentifiers.ecdsa_with_SHA384.getId(),
            X9ObjectIdentifiers.ecdsa_with_SHA512.getId());

    private AlgorithmPolicy() {
    }

    /** Problem with a SignerInfo's digest algorithm, or null. */
    static String digestProblem(String digestOid) {
        return DIGESTS.containsKey(digestOid) ? null
                : "uses digest " + digestName(digestOid) + " (SHA-256, SHA-384 or SHA-512 required)";
    }

    /** Problem with a SignerInfo's signature algorithm, or null. */
    static String cmsSignatureProblem(String signatureOid, byte[] encodedParameters) {
        if (!CMS_SIGNATURES.contains(signatureOid)) {
            return "uses signature algorithm " + signatureName(signatureOid) + ", which tandem does not accept";
        }
        return pssProblem(signatureOid, encodedParameters);
    }

    /** Problem with the algorithm a certificate is signed with, or null. */
    static String certificateSignatureProblem(X509Certificate cert) {
        if (!CERTIFICATE_SIGNATURES.contains(cert.getSigAlgOID())) {
            return "is signed with " + cert.getSigAlgName() + ", which tandem does not accept";
        }
        return pssProblem(cert.getSigAlgOID(), cert.getSigAlgParams());
    }

    /** Problem with a public key's type or size, or null. */
    static String keyProblem(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            return bits >= MIN_RSA_BITS ? null
                    : "has a " + bits + "-bit RSA key (at least " + MIN_RSA_BITS + " bits required)";
        }
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return bits >= MIN_EC_BITS ? null
                    : "has a " + bits + "-bit EC key (at least " + MIN_EC_BITS + " bits required)";
        }
        return "has a " + key.getAlgorithm() + " key; tandem accepts RSA and EC keys";
    }

    /**
     * Problem with a key that would make each signature check with it slow, or null. Applied to the keys a
     * signature brings (its signers', its embedded certificates'), before any check with them; the keyring's
     * anchors are the device owner's choice.
     */
    static String costProblem(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits > MAX_RSA_BITS) {
                return "has a " + bits + "-bit RSA key (at most " + MAX_RSA_BITS + " bits accepted: larger keys"
                        + " make every check slow)";
            }
            int exponentBits = rsa.getPublicExponent().bitLength();
            if (exponentBits > MAX_RSA_EXPONENT_BITS) {
                return "has an RSA key with a " + exponentBits + "-bit public exponent (at most "
                        + MAX_RSA_EXPONENT_BITS + " bits accepted)";
            }
        }
        return null;
    }

    /** RSASSA-PSS names its hash in the parameters; SHA-1 there is as weak as anywhere else. */
    private static String pssProblem(String oid, byte[] encodedParameters) {
        if (!PKCSObjectIdentifiers.id_RSASSA_PSS.getId().equals(oid)) {
            return null;
        }
        try {
            RSASSAPSSparams params = RSASSAPSSparams.getInstance(ASN1Primitive.fromByteArray(encodedParameters));
            String hash = params.getHashAlgorithm().getAlgorithm().getId();
            return DIGESTS.containsKey(hash) ? null : "uses RSA-PSS with " + digestName(hash) + ", which is too weak";
        } catch (IOException | RuntimeException e) {
            return "uses RSA-PSS with unreadable parameters";
        }
    }

    /** The name of a refused digest (the accepted ones are never named in a refusal). */
    private static String digestName(String oid) {
        return switch (oid) {
            case "1.3.14.3.2.26" -> "SHA-1";
            case "1.2.840.113549.2.5" -> "MD5";
            default -> oid;
        };
    }

    private static String signatureName(String oid) {
        return switch (oid) {
            case "1.2.840.113549.1.1.5" -> "SHA-1 with RSA";
            case "1.2.840.113549.1.1.4" -> "MD5 with RSA";
            case "1.2.840.10045.4.1" -> "ECDSA with SHA-1";
            default -> oid;
        };
    }
}
