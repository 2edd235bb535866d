/**
 * The slot manager's base: slot identity ({@link dev.tandem.slot.Slot}, found by {@link dev.tandem.slot.SlotResolver}),
 * the booted slot, device numbers and mounts, the data-dir lock, hooks and the command runner. The states live in
 * {@code slot.state}, the boot-time contract in {@code slot.bootcheck}, system.toml in {@code slot.config}, the
 * install policy in {@code slot.policy}. Depends only on the bootloader adapters and storage, never on the bundle
 * format: what it judges arrives as a {@link dev.tandem.slot.policy.Candidate}.
 */
package dev.tandem.slot;
