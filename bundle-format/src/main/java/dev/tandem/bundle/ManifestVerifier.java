package dev.tandem.bundle;

/**
 * Checks the detached signature over the manifest bytes before the reader parses them; throws when the
 * signature does not satisfy the device's policy ({@code dev.tandem.pki.CmsVerifier}).
 */
@FunctionalInterface
public interface ManifestVerifier {

    void verify(byte[] manifest, byte[] signature);

    /**
     * Whether a manifest that passed {@link #verify} is signed by someone the device trusts. The reader gives an
     * unchecked manifest no say over what it allocates or writes (chunk tables are kept small and on the heap).
     */
    default boolean checksSignature() {
        return true;
    }

    /**
     * Accepts any signature. Only for {@code bundle info} without a keyring, which says "signature NOT
     * verified" before anything else; never for installing.
     */
    static ManifestVerifier unverified() {
        return new ManifestVerifier() {
            @Override
            public void verify(byte[] manifest, byte[] signature) {
                // Nothing checked, which checksSignature() says.
            }

            @Override
            public boolean checksSignature() {
                return false;
            }
        };
    }
}
