/**
 * Benchmarks of {@code dev.tandem.bundle}: chunk hashing, chunk decoding and compression, through its public API
 * (a package of their own: no split packages across modules).
 */
package dev.tandem.bench.bundle;
