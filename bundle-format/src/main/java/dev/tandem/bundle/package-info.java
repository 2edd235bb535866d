/**
 * The {@code *.tandem} bundle format v1 (bundle-format/FORMAT.md): manifest, chunk table, block hints,
 * a streaming writer and a strict one-pass reader. Signs and verifies through {@link dev.tandem.bundle.ManifestSigner}
 * and {@link dev.tandem.bundle.ManifestVerifier}, which the modules above back with pki (here a test dependency
 * only); knows nothing of slots or devices.
 */
package dev.tandem.bundle;
