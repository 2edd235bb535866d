package dev.tandem.slot;

import dev.tandem.slot.config.SystemConfig;
import dev.tandem.slot.config.SlotConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Finds each slot's device (ARCHITECTURE.md §5, slot identity). A {@code device} path is taken as given. A
 * {@code partuuid}, {@code partlabel} or {@code partition} is looked up on the <em>boot disk</em> only, the
 * disk that holds the booted system, through {@code /sys/class/block} and the disk's own partition table (no
 * udev assumed): a USB stick plugged in for an update can take the boot disk's kernel name and may even carry
 * the same labels, but it is never the boot disk. Zero or several matches refuse.
 */
public final class SlotResolver {

    private final Path sysClassBlock;
    private final Path devDir;

    /**
     * @param sysClassBlock {@code /sys/class/block}, or a directory laid out like it in tests
     * @param devDir        {@code /dev}: where the device nodes named by sysfs's {@code DEVNAME} are
     */
    public SlotResolver(Path sysClassBlock, Path devDir) {
        this.sysClassBlock = sysClassBlock;
        this.devDir = devDir;
    }

    /** The running system's sysfs and /dev. */
    public static SlotResolver system() {
        return new SlotResolver(Path.of("/sys/class/block"), Path.of("/dev"));
    }

    /**
     * Resolves every slot of {@code config}.
     *
     * @param bootDisk the boot disk's kernel name ({@code mmcblk0}, {@code loop3}); asked for only when a slot is
     *                 located by partuuid, partlabel or partition
     * @throws ConfigException when a slot cannot be found, or is found more than once
     */
    public List<Slot> resolve(SystemConfig config, Supplier<String> bootDisk) {
        List<Slot> out = new ArrayList<>();
        String disk = null;
        List<PartitionTable.Entry> table = null;
        for (SlotConfig s : config.slots()) {
            Path device;
            if (s.device() != null) {
                device = s.device();
            } else {
                if (disk == null) {
                    disk = bootDisk.get();
                }
                if (table == null && s.partition() == null) {
                    table = readTable(disk);
                }
                int number = s.partition() != null ? s.partition() : match(s, disk, table);
                device = partitionDevice(s, disk, number);
            }
            out.add(new Slot(s.name(), s.slotClass(), s.bootname(), device, s.parent()));
        }
        return out;
    }

    /**
     * Resolves every slot of {@code config} on the running system's boot disk: the disk that holds {@code /} in
     * {@code mountinfo} ({@link MountTable#PROC_MOUNTINFO}), asked for only when a slot needs it.
     */
    public List<Slot> resolve(SystemConfig config, Path mountinfo) {
        return resolve(config, () -> bootDisk(mountinfo));
    }

    /**
     * The boot disk's kernel name: the disk holding the file system mounted on {@code /} in {@code mountinfo}.
     *
     * @throws ConfigException {@code BOOT_DISK_UNKNOWN} when nothing is mounted on {@code /}, or its device is not
     *                         a block device sysfs knows (then slots must be located by {@code device})
     */
    public String bootDisk(Path mountinfo) {
        DeviceNumber root = MountTable.read(mountinfo).deviceOf("/").orElseThrow(() ->
                new ConfigException(ConfigException.Reason.BOOT_DISK_UNKNOWN,
                        "cannot find the boot disk: nothing is mounted on /"));
        return diskOf(root).orElseThrow(() -> new ConfigException(ConfigException.Reason.BOOT_DISK_UNKNOWN,
                "cannot find the boot disk: / is on "
                + root + ", which is not a block device in sysfs; locate slots with device = \"/dev/...\""));
    }

    /**
     * The disk holding {@code device}: the device itself when it is a whole disk, its parent when it is a
     * partition. Empty when sysfs does not know the number.
     */
    public Optional<String> diskOf(DeviceNumber device) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(sysClassBlock)) {
            for (Path entry : entries) {
                Path dev = entry.resolve("dev");
                if (Files.isRegularFile(dev) && Files.readString(dev).trim().equals(device.toString())) {
                    if (Files.exists(entry.resolve("partition"))) {
                        return Optional.of(entry.toRealPath().getParent().getFileName().toString());
                    }
                    return Optional.of(entry.getFileName().toString());
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new SlotIoException("sysfs " + sysClassBlock + ": cannot read: " + e.getMessage(), e);
        }
    }

    private List<PartitionTable.Entry> readTable(String disk) {
        Path node = devDir.resolve(disk);
        try {
            return PartitionTable.read(node).orElseThrow(() -> new ConfigException(ConfigException.Reason.SLOT_NOT_FOUND,
                    "boot disk " + node + ": no valid GPT or MBR partition table"));
        } catch (IOException e) {
            throw new SlotIoException("boot disk " + node + ": cannot read the partition table: "
                    + e.getMessage(), e);
        }
    }

    private static int match(SlotConfig s, String disk, List<PartitionTable.Entry> table) {
        List<PartitionTable.Entry> found = table.stream()
                .filter(e -> s.partuuid() != null ? s.partuuid().equals(e.partuuid()) : s.partlabel().equals(e.label()))
                .toList();
        if (found.size() != 1) {
            throw new ConfigException(found.isEmpty() ? ConfigException.Reason.SLOT_NOT_FOUND
                    : ConfigException.Reason.SLOT_AMBIGUOUS, "slot " + s.name() + ": " + s.location() + " matches "
                    + found.size()
                    + " partitions on boot disk " + disk + (found.isEmpty() ? "" : " (numbers "
                    + String.join(", ", found.stream().map(e -> String.valueOf(e.number())).toList()) + ")")
                    + "; it must match exactly one");
        }
        return found.get(0).number();
    }

    /** The device node of partition {@code number} of {@code disk}, as sysfs names it. */
    private Path partitionDevice(SlotConfig s, String disk, int number) {
        try {
            Path diskDir = sysClassBlock.resolve(disk).toRealPath();
            List<Path> hits = new ArrayList<>();
            try (DirectoryStream<Path> children = Files.newDirectoryStream(diskDir)) {
                for (Path child : children) {
                    Path partition = child.resolve("partition");
                    if (Files.isRegularFile(partition) && Files.readString(partition).trim().equals(String.valueOf(number))) {
                        hits.add(child);
                    }
                }
            }
            if (hits.size() != 1) {
                throw new ConfigException(ConfigException.Reason.SLOT_NOT_FOUND,
                        "slot " + s.name() + ": " + s.location() + ": the kernel knows "
                        + hits.size() + " partitions numbered " + number + " on boot disk " + disk
                        + " (partition table not re-read?)");
            }
            Path node = devDir.resolve(devName(hits.get(0)));
            if (!Files.exists(node)) {
                throw new ConfigException(ConfigException.Reason.SLOT_NOT_FOUND,
                        "slot " + s.name() + ": " + s.location() + ": device node " + node
                        + " does not exist (no devtmpfs?)");
            }
            return node;
        } catch (IOException e) {
            throw new SlotIoException("slot " + s.name() + ": sysfs " + sysClassBlock + ": " + e.getMessage(), e);
        }
    }

    /** {@code DEVNAME} from the uevent file; the directory name when the uevent has none. */
    private static String devName(Path sysDir) throws IOException {
        Path uevent = sysDir.resolve("uevent");
        if (Files.isRegularFile(uevent)) {
            for (String line : Files.readAllLines(uevent)) {
                if (line.startsWith("DEVNAME=")) {
                    return line.substring("DEVNAME=".length()).trim();
                }
            }
        }
        return sysDir.getFileName().toString();
    }
}
