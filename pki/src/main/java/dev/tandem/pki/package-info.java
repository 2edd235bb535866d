/**
 * Keys, certificates, keyrings and CMS signatures for tandem bundles (Bouncy Castle). Knows nothing of
 * bundles: it signs and verifies byte arrays. Depends on no other tandem module.
 */
package dev.tandem.pki;
