package dev.tandem.agent.standalone;

import dev.tandem.errors.ErrorMessages;
import dev.tandem.slot.CommandRunner;
import dev.tandem.slot.DeviceNumber;
import dev.tandem.slot.MountTable;
import dev.tandem.slot.Slot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Mounts inserted removable media itself (standalone mode on a device without an automounter): at each look it
 * reads {@code /proc/partitions}, and each partition of a removable disk (or a disk without partitions) that nobody
 * has mounted and that it has not looked at since it appeared is made read-only ({@code blockdev --setro}) and
 * mounted {@value #OPTIONS} into a directory of its own under {@code /run/tandem/media}, for one scan. The caller
 * unmounts it again ({@link #unmount}) before installing's reboot or the next look; a medium is mounted again only
 * after it was removed and inserted again. SECURITY.md "Removable media the agent mounts itself".
 */
final class MediaMounter {

    /** The agent's own directory for media, {@code 0700}: nothing else on the device reads a stick through it. */
    static final Path SYSTEM_ROOT = Path.of("/run/tandem/media");
    /**
     * The only file systems tried: a stick's file system is parsed by the kernel, and each driver is attack
     * surface, so only those that sticks carry.
     */
    static final String FS_TYPES = "vfat,exfat,ext4,ext3,ext2,iso9660";
    static final String OPTIONS = "ro,nosuid,nodev,noexec";
    /** {@code /proc/partitions} is read up to this many bytes and lines (hubs of card readers make it long). */
    static final int MAX_PARTITIONS_BYTES = 64 << 10;
    static final int MAX_PARTITION_LINES = 512;
    /** Media mounted in one look; more wait for the next look. */
    static final int MAX_MOUNTS_PER_LOOK = 4;
    /** Partitions looked at per disk when deciding whether it has any. */
    static final int MAX_ENTRIES_PER_DISK = 256;
    /** Each mount or unmount command: a broken stick can make the kernel retry reads for minutes. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    /** Smaller devices are empty card readers or an extended partition's 1 KiB placeholder. */
    static final long MIN_KIB = 64;
    /** Levels of device-mapper or md devices followed down to the disks (dm-verity over dm-crypt over a disk: 2). */
    static final int MAX_STACK_DEPTH = 4;
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

    /** One mounted medium: its kernel name, device node and mount point. */
    record Medium(String name, Path device, Path point) {
    }

    private final Path partitions;
    private final Path sysfs;
    private final Path mountinfo;
    private final Path dev;
    private final Path root;
    private final Predicate<Path> removableDisk;
    private final Supplier<Set<DeviceNumber>> systemDevices;
    private final Consumer<String> out;
    /** The devices present and looked at: name, device number, size and disk sequence number. */
    private Set<String> lookedAt = Set.of();
    /** Whether the "cannot tell the system's disks" line was printed (once, not at every look). */
    private boolean warned;

    /**
     * @param partitions    {@code /proc/partitions}
     * @param sysfs         {@code /sys}
     * @param mountinfo     {@code /proc/self/mountinfo}
     * @param dev           {@code /dev}
     * @param root          where media are mounted
     * @param removableDisk whether the disk at a sysfs directory counts as removable media
     * @param systemDevices the devices the system itself uses (the slots, the data-dir's): no partition of their
     *                      disks is ever taken for a medium, removable or not
     * @param out           one line per medium mounted, unmounted or refused
     */
    MediaMounter(Path partitions, Path sysfs, Path mountinfo, Path dev, Path root, Predicate<Path> removableDisk,
                 Supplier<Set<DeviceNumber>> systemDevices, Consumer<String> out) {
        this.partitions = partitions;
        this.sysfs = sysfs;
        this.mountinfo = mountinfo;
        this.dev = dev;
        this.root = root;
        this.removableDisk = removableDisk;
        this.systemDevices = systemDevices;
        // Lines carry names from the medium (file names, labels): no control character gets through.
        this.out = line -> out.accept(ErrorMessages.printable(line));
    }

    /**
     * The running system: removable disks as {@link MediaWatcher} decides, except the disks of {@code slots} and of
     * {@code dataDir}, mounted under {@link #SYSTEM_ROOT}.
     */
    static MediaMounter system(List<Slot> slots, Path dataDir, Consumer<String> out) {
        return new MediaMounter(Path.of("/proc/partitions"), Path.of("/sys"), MountTable.PROC_MOUNTINFO,
                Path.of("/dev"), SYSTEM_ROOT, MediaWatcher::removable, () -> systemDevices(slots, dataDir), out);
    }

    /** Mounts nothing (tests whose media are plain directories). */
    static MediaMounter none() {
        return new MediaMounter(null, null, null, null, null, d -> false, Set::of, s -> { });
    }

    /** The slots' block devices and the data-dir's file system. */
    static Set<DeviceNumber> systemDevices(List<Slot> slots, Path dataDir) {
        Set<DeviceNumber> devices = new HashSet<>();
        for (Slot s : slots) {
            DeviceNumber.ofBlockDevice(s.device()).ifPresent(devices::add);
        }
        try {
            devices.add(DeviceNumber.fileSystemOf(dataDir));
        } catch (IOException | RuntimeException e) {
            // no data-dir yet: the slots and / still say which disks are the system's
        }
        return devices;
    }

    /** Mounts the removable media that appeared since the last look; the caller unmounts each after its scan. */
    List<Medium> mountNew() {
        if (partitions == null) {
            return List.of();
        }
        MountTable mounts;
        List<String> lines;
        try {
            mounts = MountTable.read(mountinfo);
            lines = readPartitions();
        } catch (IOException | RuntimeException e) {
            out.accept("media: cannot list block devices: " + ErrorMessages.oneLine(e));
            return List.of();
        }
        Set<DeviceNumber> system = new HashSet<>(systemDevices.get());
        mounts.deviceOf("/").ifPresent(system::add);
        Set<Path> systemDisks = physicalDisks(system);
        if (systemDisks.isEmpty()) {
            // Neither / nor a slot is on a disk sysfs can name (e.g. an overlay root and file-backed slots): a
            // partition of the boot disk could not be told from a stick's, and mounting one read-only would make
            // its slot unwritable until the next boot.
            if (!warned) {
                out.accept("media: not mounting media: cannot tell which disks the system itself uses");
                warned = true;
            }
            return List.of();
        }
        Set<String> looked = new HashSet<>();
        List<Medium> mounted = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.strip().split("\\s+");
            if (f.length != 4 || !NAME.matcher(f[3]).matches()) {
                continue;
            }
            DeviceNumber number;
            long kib;
            try {
                number = new DeviceNumber(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
                kib = Long.parseLong(f[2]);
            } catch (IllegalArgumentException e) {
                continue; // the header line, or not a device
            }
            Optional<String> key = candidate(f[3], number, kib, systemDisks);
            if (key.isEmpty()) {
                continue;
            }
            if (lookedAt.contains(key.get())) {
                looked.add(key.get());
                continue;
            }
            if (mounts.mountPointOf(number).isPresent()) {
                looked.add(key.get()); // mounted by the system: MediaWatcher finds it there
                continue;
            }
            Path device = dev.resolve(f[3]);
            if (mounted.size() >= MAX_MOUNTS_PER_LOOK
                    || !DeviceNumber.ofBlockDevice(device).equals(Optional.of(number))) {
                continue; // the next look; udev makes the device node a moment after the kernel lists it
            }
            looked.add(key.get());
            mount(f[3], device).ifPresent(mounted::add);
        }
        lookedAt = looked;
        return mounted;
    }

    /** Looks at every present medium again at the next look (an install could not start: the lock was busy). */
    void forget() {
        lookedAt = Set.of();
    }

    /** Unmounts a medium this mounter mounted, lazily when something still holds it. */
    void unmount(Medium m) {
        CommandRunner.Result r = CommandRunner.run(List.of("umount", m.point().toString()), Map.of(),
                COMMAND_TIMEOUT);
        if (!r.ok()) {
            CommandRunner.Result lazy = CommandRunner.run(List.of("umount", "-l", m.point().toString()), Map.of(),
                    COMMAND_TIMEOUT);
            if (!lazy.ok()) {
                out.accept("media: cannot unmount " + m.point() + ": umount " + lazy.describe(COMMAND_TIMEOUT));
                return;
            }
        }
        try {
            Files.deleteIfExists(m.point());
        } catch (IOException e) {
            // an empty directory under /run: gone at the next boot
        }
        out.accept("media: unmounted " + m.device() + " from " + m.point());
    }

    private List<String> readPartitions() throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(partitions)) {
            bytes = in.readNBytes(MAX_PARTITIONS_BYTES);
        }
        List<String> lines = new String(bytes, StandardCharsets.US_ASCII).lines().toList();
        return lines.size() > MAX_PARTITION_LINES ? lines.subList(0, MAX_PARTITION_LINES) : lines;
    }

    /**
     * The sysfs directories of the physical disks under {@code devices}: a partition's disk, and for a device-mapper
     * or md device (dm-verity, dm-crypt, RAID under /) the disks beneath it ({@code slaves/}, a few levels).
     */
    private Set<Path> physicalDisks(Set<DeviceNumber> devices) {
        Set<Path> disks = new HashSet<>();
        for (DeviceNumber d : devices) {
            MediaWatcher.diskOf(sysfs, d).ifPresent(disk -> addWithSlaves(disk, disks, 0));
        }
        return disks;
    }

    private static void addWithSlaves(Path disk, Set<Path> disks, int depth) {
        if (!disks.add(disk) || depth >= MAX_STACK_DEPTH) {
            return;
        }
        int entries = 0;
        try (DirectoryStream<Path> slaves = Files.newDirectoryStream(disk.resolve("slaves"))) {
            for (Path slave : slaves) {
                if (++entries > MAX_ENTRIES_PER_DISK) {
                    return;
                }
                Path real = slave.toRealPath();
                addWithSlaves(Files.exists(real.resolve("partition")) ? real.getParent() : real, disks, depth + 1);
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            // no slaves/: a plain disk
        }
    }

    /**
     * The identity of {@code name} when it is a medium to mount: a partition of a removable disk that the system
     * does not use, or such a disk without partitions, of at least {@value #MIN_KIB} KiB, that nothing stacks on.
     */
    private Optional<String> candidate(String name, DeviceNumber number, long kib, Set<Path> systemDisks) {
        if (kib < MIN_KIB) {
            return Optional.empty();
        }
        Path self;
        try {
            self = sysfs.resolve("dev/block/" + number.major() + ":" + number.minor()).toRealPath();
        } catch (IOException e) {
            return Optional.empty();
        }
        boolean partition = Files.exists(self.resolve("partition"));
        Path disk = partition ? self.getParent() : self;
        if (systemDisks.contains(disk) || !removableDisk.test(disk) || !partition && hasPartitions(disk)
                || hasEntries(self.resolve("holders"))) {
            return Optional.empty();
        }
        return Optional.of(name + " " + number + " " + kib + " " + firstLine(disk.resolve("diskseq")));
    }

    private static boolean hasPartitions(Path disk) {
        int entries = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(disk)) {
            for (Path p : s) {
                if (++entries > MAX_ENTRIES_PER_DISK) {
                    return true; // not a stick
                }
                if (Files.exists(p.resolve("partition"))) {
                    return true;
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            return true; // gone, or unreadable: nothing to mount
        }
        return false;
    }

    /** Whether a sysfs directory ({@code holders/}: device-mapper or md use the device) has any entry. */
    private static boolean hasEntries(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return s.iterator().hasNext();
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            return true; // unreadable: leave it alone
        }
    }

    private static String firstLine(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(64), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "-"; // kernels before 5.15 have no diskseq
        }
    }

    private Optional<Medium> mount(String name, Path device) {
        Path point = root.resolve(name);
        try {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(point);
        } catch (IOException e) {
            out.accept("media: cannot make " + point + ": " + ErrorMessages.oneLine(e));
            return Optional.empty();
        }
        // The device itself read-only too: mounting a journaled file system "ro" may still replay its journal.
        CommandRunner.Result ro = CommandRunner.run(List.of("blockdev", "--setro", device.toString()), Map.of(),
                COMMAND_TIMEOUT);
        CommandRunner.Result r = !ro.ok() ? ro : CommandRunner.run(List.of("mount", "-t", FS_TYPES, "-o", OPTIONS,
                device.toString(), point.toString()), Map.of(), COMMAND_TIMEOUT);
        if (!r.ok()) {
            out.accept("media: not mounting " + device + ": " + (ro.ok() ? "mount " : "blockdev --setro ")
                    + r.describe(COMMAND_TIMEOUT));
            try {
                Files.deleteIfExists(point);
            } catch (IOException e) {
                // an empty directory under /run
            }
            return Optional.empty();
        }
        out.accept("media: mounted " + device + " on " + point + " (" + OPTIONS + ")");
        return Optional.of(new Medium(name, device, point));
    }
}
