package dev.tandem.hardware.rig;

/**
 * The emulated device's disk: an MBR with a boot partition (p1, bootable) and the two slots (p2 = A, p3 = B), all
 * aligned to MiB. The gap before p1 holds GRUB's core.img (BIOS) or U-Boot's raw environment area.
 *
 * @param bootSize size of p1 in bytes
 * @param slotSize size of each slot partition in bytes
 */
public record DiskLayout(long bootSize, long slotSize) {

    /** p1 starts at 1 MiB, like every partitioning tool's default. */
    public static final long FIRST_PARTITION = 1L << 20;

    /** Byte offset of p1. */
    public long bootStart() {
        return FIRST_PARTITION;
    }

    /** Byte offset of the slot with {@code bootname} A or B. */
    public long slotStart(String bootname) {
        return switch (bootname) {
            case "A" -> bootStart() + bootSize;
            case "B" -> bootStart() + bootSize + slotSize;
            default -> throw new IllegalArgumentException("no slot " + bootname);
        };
    }

    /** Partition number of the slot with {@code bootname}. */
    public int slotPartition(String bootname) {
        return bootname.equals("A") ? 2 : 3;
    }

    /** Size of the whole disk image. */
    public long diskSize() {
        return bootStart() + bootSize + 2 * slotSize;
    }

    /** The partition table as an sfdisk script; {@code bootType} is p1's MBR type (c = FAT32 LBA, 83 = Linux). */
    public String sfdiskScript(String bootType) {
        return "label: dos\n"
                + "start=" + sectors(bootStart()) + ", size=" + sectors(bootSize) + ", type=" + bootType + ", bootable\n"
                + "start=" + sectors(slotStart("A")) + ", size=" + sectors(slotSize) + ", type=83\n"
                + "start=" + sectors(slotStart("B")) + ", size=" + sectors(slotSize) + ", type=83\n";
    }

    private static long sectors(long bytes) {
        return bytes / 512;
    }
}
