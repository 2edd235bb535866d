package dev.tandem.pki;

import java.nio.file.Path;

/**
 * A development-only PKI: a self-signed CA and a code-signing certificate issued by it.
 * Writes {@code ca.pem}, {@code signer.pem}, {@code signer.key} (PKCS#8 PEM) and {@code keyring.pem}.
 */
public final class DevCa {

    private DevCa() {
    }

    /** Key type of the CA and signer. */
    public enum KeyType { EC_P256, RSA_2048, RSA_3072, RSA_4096 }

    public static void create(Path outDir, KeyType keyType) {
        throw new UnsupportedOperationException("stub");
    }
}
