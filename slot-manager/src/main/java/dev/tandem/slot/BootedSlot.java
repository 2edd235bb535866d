package dev.tandem.slot;

/**
 * The slot the running system booted from, and how that was found out (shown by {@code status}).
 *
 * @param slot     a bootable slot (one with a bootname)
 * @param evidence e.g. {@code --booted}, {@code kernel command line tandem.slot=B}, {@code device of / (259:3)}
 */
public record BootedSlot(Slot slot, String evidence) {
}
