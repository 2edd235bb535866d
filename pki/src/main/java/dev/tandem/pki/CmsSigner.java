package dev.tandem.pki;

import java.util.List;

/** Makes detached CMS SignedData (SHA-256) over a byte array, one SignerInfo per key. */
public final class CmsSigner {

    private CmsSigner() {
    }

    /** DER-encoded detached SignedData over {@code content}, signed by every key, certificates embedded. */
    public static byte[] sign(byte[] content, List<SigningKey> keys) {
        throw new UnsupportedOperationException("stub");
    }
}
