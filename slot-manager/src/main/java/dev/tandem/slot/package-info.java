/**
 * The slot manager: system config, slot identity and states ({@code status.json}), install policy, the
 * data-dir lock and the boot-time contract ({@code boot-check}). Depends only on the bootloader adapters, never on
 * the bundle format: what it judges arrives as a {@link dev.tandem.slot.policy.Candidate}.
 */
package dev.tandem.slot;
