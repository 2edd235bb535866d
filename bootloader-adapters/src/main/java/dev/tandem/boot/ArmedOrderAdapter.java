package dev.tandem.boot;

import java.util.List;

/**
 * What the adapters of bootloaders with a boot order and boots left per slot (GRUB, U-Boot, barebox) share: a
 * try-once and a mark-good are the same step, which puts the slot first in the order and grants it its boots, and
 * every call names a slot the adapter was configured with.
 */
abstract class ArmedOrderAdapter implements BootloaderAdapter {

    @Override
    public final void setTryOnce(String bootname) {
        makePrimaryAndArm(bootname);
    }

    @Override
    public final void markGood(String bootname) {
        makePrimaryAndArm(bootname);
    }

    /** Puts {@code bootname} first in the boot order with its boots granted. */
    abstract void makePrimaryAndArm(String bootname);

    /** Refuses a bootname that is not one of {@code known}, naming the bootloader ("grub") and the known ones. */
    static void requireKnown(String bootloader, List<String> known, String bootname) {
        if (!known.contains(bootname)) {
            throw new BootloaderException(bootloader + ": unknown slot bootname '" + bootname + "' (known: "
                    + String.join(", ", known) + ")");
        }
    }
}
