package dev.tandem.boot;

/**
 * A slot as the bootloader sees it.
 *
 * @param bootname     the slot's bootname
 * @param bootable     whether the bootloader would pick it when its turn in the order comes (in the boot
 *                     order, not marked bad, a boot left)
 * @param attemptsLeft boots the bootloader still grants it before falling back; {@link #UNLIMITED} when the
 *                     bootloader keeps no counter for it (an EFI BootOrder entry, a custom script's good slot).
 *                     A good slot spends its boot at every power-on (GRUB sets TRY=1, U-Boot and bootchooser
 *                     count down) until boot-check re-arms it, so the running slot may read 0 until then
 */
public record BootSlotState(String bootname, boolean bootable, int attemptsLeft) {

    /** Marker for "no counter". */
    public static final int UNLIMITED = -1;
}
