package dev.tandem.agent.standalone;

import dev.tandem.slot.DeviceNumber;
import dev.tandem.slot.MountTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where standalone mode looks for bundles (ARCHITECTURE.md §7): the mount points of removable block devices, read from
 * {@code /proc/self/mountinfo} at each look, plus the configured {@code standalone-dirs}. A device counts as
 * removable when sysfs says so ({@code removable} = 1 on its disk) or it hangs off a USB bus; a mount on the disk
 * that holds {@code /} never counts (a device booting from an SD card reports it removable).
 */
final class MediaWatcher {

    private final Path mountinfo;
    private final Path sysfs;
    private final List<Path> dirs;

    /**
     * @param mountinfo {@code /proc/self/mountinfo}, or a file in tests
     * @param sysfs     {@code /sys}, or a directory laid out like it in tests
     * @param dirs      {@code [agent] standalone-dirs}
     */
    MediaWatcher(Path mountinfo, Path sysfs, List<Path> dirs) {
        this.mountinfo = mountinfo;
        this.sysfs = sysfs;
        this.dirs = List.copyOf(dirs);
    }

    /** The running system's mounts and sysfs. */
    static MediaWatcher system(List<Path> dirs) {
        return new MediaWatcher(MountTable.PROC_MOUNTINFO, Path.of("/sys"), dirs);
    }

    /** The places to look into now: removable mounts first (in mount order), then the configured directories. */
    List<Path> places() {
        Set<Path> out = new LinkedHashSet<>();
        MountTable mounts = MountTable.read(mountinfo);
        Optional<Path> rootDisk = mounts.deviceOf("/").flatMap(d -> diskOf(sysfs, d));
        for (MountTable.Mount m : mounts.mounts()) {
            if (m.device().major() == 0 || m.mountPoint().equals("/")) {
                continue;
            }
            Optional<Path> disk = diskOf(sysfs, m.device());
            if (disk.isPresent() && !disk.equals(rootDisk) && removable(disk.get())) {
                out.add(Path.of(m.mountPoint()));
            }
        }
        for (Path d : dirs) {
            if (Files.isDirectory(d)) {
                out.add(d);
            }
        }
        return new ArrayList<>(out);
    }

    /** The sysfs directory of the disk that holds {@code device} (itself, or the parent of a partition). */
    static Optional<Path> diskOf(Path sysfs, DeviceNumber device) {
        Path link = sysfs.resolve("dev/block/" + device.major() + ":" + device.minor());
        try {
            Path dir = link.toRealPath();
            return Optional.of(Files.exists(dir.resolve("partition")) ? dir.getParent() : dir);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether the disk at sysfs directory {@code disk} is removable media: sysfs says so, or it is on a USB bus. */
    static boolean removable(Path disk) {
        try {
            if (Files.readString(disk.resolve("removable"), StandardCharsets.US_ASCII).trim().equals("1")) {
                return true;
            }
        } catch (IOException e) {
            // no attribute: decide by the bus
        }
        return disk.toString().contains("/usb");
    }
}
