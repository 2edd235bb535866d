/**
 * Durable writes. Every byte that must survive a power cut goes through {@link dev.tandem.storage.DurableFile}
 * (whole small files, replaced atomically) or {@link dev.tandem.storage.BlockTarget} (positional writes to a slot
 * or raw environment area), so tests can cut power between any two of them (ARCHITECTURE.md §10).
 */
package dev.tandem.storage;
