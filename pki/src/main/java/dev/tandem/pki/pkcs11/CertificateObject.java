package dev.tandem.pki.pkcs11;

/**
 * A public certificate object on a token.
 *
 * @param label its CKA_LABEL, or null when it has none
 * @param id    its CKA_ID (empty when it has none), which pairs it with a private key
 */
public record CertificateObject(String label, byte[] id) {
}
