package dev.tandem.slot.config;

import java.nio.file.Path;

/**
 * One {@code [slots."<class>.<n>"]} table as written; {@link SlotResolver} turns it into a {@link Slot}.
 * Exactly one of {@code partuuid}, {@code partlabel}, {@code partition} and {@code device} is set.
 *
 * @param name      {@code <class>.<n>}, e.g. {@code rootfs.1}
 * @param slotClass the class (the part of the name before the dot)
 * @param bootname  the bootloader's name for it; null for slots with a parent
 * @param parent    the slot this one follows (installed and activated with it), or null
 * @param partuuid  GPT unique partition GUID (lower case) or MBR {@code SSSSSSSS-NN}, on the boot disk
 * @param partlabel GPT partition name, on the boot disk
 * @param partition partition number on the boot disk, or null
 * @param device    a path taken as given (a block device or, in tests and the demo, a regular file)
 */
public record SlotConfig(
        String name,
        String slotClass,
        String bootname,
        String parent,
        String partuuid,
        String partlabel,
        Integer partition,
        Path device) {

    /** How the slot is located, for messages: {@code partlabel=rootfs-b}. */
    public String location() {
        if (partuuid != null) {
            return "partuuid=" + partuuid;
        }
        if (partlabel != null) {
            return "partlabel=" + partlabel;
        }
        if (partition != null) {
            return "partition=" + partition;
        }
        return "device=" + device;
    }
}
