/**
 * Benchmarks of {@code dev.tandem.install}: the lookups the reuse planner makes per chunk. They sit in the
 * package they measure, because {@link dev.tandem.install.LongLongMap} is package-private.
 */
package dev.tandem.install;
