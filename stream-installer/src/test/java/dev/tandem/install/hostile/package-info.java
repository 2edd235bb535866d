/**
 * Hostile bundles and hostile servers against the whole installer: the bundle fuzzer's mutants (from
 * bundle-format's test jar) installed from memory, and a valid bundle served through a lying HTTP proxy. The
 * invariants: a clean, typed, one-line failure or a byte-identical install; no byte that was not verified
 * against the signed chunk hashes ever reaches the target (a recording target checks every write); a failed
 * install leaves the target unbootable and the booted slot primary.
 */
package dev.tandem.install.hostile;
