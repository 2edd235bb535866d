package dev.tandem.slot;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A configured slot with its device found on this boot.
 *
 * @param name      {@code <class>.<n>}, e.g. {@code rootfs.1}
 * @param slotClass the class, matched against a bundle image's {@code slot-class}
 * @param bootname  the bootloader's name for it ("A", "B"); null for a slot that follows a parent
 * @param device    the block device (or, in tests and the demo, regular file) holding it
 * @param parent    the name of the slot it is installed and booted with, or null
 */
public record Slot(String name, String slotClass, String bootname, Path device, String parent) {

    public Slot {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(slotClass, "slotClass");
        Objects.requireNonNull(device, "device");
    }

    /** Whether the bootloader chooses it (it has a bootname and no parent). */
    public boolean bootable() {
        return parent == null;
    }

    @Override
    public String toString() {
        return name;
    }
}
