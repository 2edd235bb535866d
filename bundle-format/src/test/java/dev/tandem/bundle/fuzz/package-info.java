/**
 * A structure-aware mutation fuzzer for bundles: valid bundles are taken apart (tar entries, manifest JSON, CMS
 * signature, chunk tables, zstd frames), mutated where a parser must decide something, put back together (and
 * re-signed with the test key when the mutation is behind the signature), and judged. Shared with the
 * installer-level tests of stream-installer through this module's test jar.
 */
package dev.tandem.bundle.fuzz;
