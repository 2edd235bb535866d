package dev.tandem.boot;

/**
 * A slot as the bootloader sees it.
 *
 * @param bootname     the slot's bootname
 * @param bootable     whether the bootloader would boot it at all (in the boot order, not marked bad)
 * @param attemptsLeft boots the bootloader still grants it before falling back; {@link #UNLIMITED} when the
 *                     bootloader keeps no counter for it (EFI, a committed GRUB slot between boots)
 */
public record BootSlotState(String bootname, boolean bootable, int attemptsLeft) {

    /** Marker for "no counter". */
    public static final int UNLIMITED = -1;
}
