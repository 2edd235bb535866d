/**
 * Benchmarks of {@code dev.tandem.bundle}: chunk hashing, chunk decoding and compression. They sit in the package
 * they measure to reach its package-private table helpers without widening its API.
 */
package dev.tandem.bundle;
