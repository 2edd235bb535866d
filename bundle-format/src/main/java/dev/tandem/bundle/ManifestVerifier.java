package dev.tandem.bundle;

/**
 * Checks the detached signature over the manifest bytes before the reader parses them; throws when the
 * signature does not satisfy the device's policy ({@code dev.tandem.pki.CmsVerifier}).
 */
@FunctionalInterface
public interface ManifestVerifier {

    void verify(byte[] manifest, byte[] signature);

    /**
     * Accepts any signature. Only for {@code bundle info} without a keyring, which says "signature NOT
     * verified" before anything else; never for installing.
     */
    static ManifestVerifier unverified() {
        return (manifest, signature) -> { };
    }
}
