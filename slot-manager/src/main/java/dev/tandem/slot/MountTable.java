package dev.tandem.slot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The mounts of this process's namespace, from {@code /proc/self/mountinfo}. Only the fields tandem needs:
 * the device number and the mount point.
 */
public final class MountTable {

    /** The kernel's table. */
    public static final Path PROC_MOUNTINFO = Path.of("/proc/self/mountinfo");

    /** One line: {@code device} is major:minor (0:N for file systems without a block device). */
    public record Mount(DeviceNumber device, String mountPoint) {
    }

    private final List<Mount> mounts;

    private MountTable(List<Mount> mounts) {
        this.mounts = List.copyOf(mounts);
    }

    /** Reads a mountinfo file. */
    public static MountTable read(Path mountinfo) {
        try {
            List<Mount> out = new ArrayList<>();
            for (String line : Files.readAllLines(mountinfo)) {
                // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": field 3 is major:minor,
                // field 5 the mount point with spaces etc. escaped as \040.
                String[] f = line.split(" ");
                if (f.length < 5) {
                    continue;
                }
                out.add(new Mount(DeviceNumber.parse(f[2]), unescape(f[4])));
            }
            return new MountTable(out);
        } catch (IOException | IllegalArgumentException e) {
            throw new SlotIoException("mount table " + mountinfo + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** All mounts, in the kernel's order (later mounts on the same point hide earlier ones). */
    public List<Mount> mounts() {
        return mounts;
    }

    /** The device mounted on {@code mountPoint}, the topmost when several are stacked. */
    public Optional<DeviceNumber> deviceOf(String mountPoint) {
        DeviceNumber found = null;
        for (Mount m : mounts) {
            if (m.mountPoint().equals(mountPoint)) {
                found = m.device();
            }
        }
        return Optional.ofNullable(found);
    }

    /** Where {@code device} is mounted, if anywhere. */
    public Optional<String> mountPointOf(DeviceNumber device) {
        return mounts.stream().filter(m -> m.device().equals(device)).map(Mount::mountPoint).findFirst();
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(Character::isDigit)) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
