package dev.tandem.bundle;

/** Signs the manifest bytes: returns a detached DER CMS SignedData ({@code dev.tandem.pki.CmsSigner}). */
@FunctionalInterface
public interface ManifestSigner {
    byte[] sign(byte[] manifest);
}
