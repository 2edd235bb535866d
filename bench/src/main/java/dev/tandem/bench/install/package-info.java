/**
 * Benchmarks of {@code dev.tandem.install}: the lookups the reuse planner makes per chunk, through its public API
 * (a package of their own: no split packages across modules).
 */
package dev.tandem.bench.install;
