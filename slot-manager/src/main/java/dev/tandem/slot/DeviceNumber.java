package dev.tandem.slot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A block device's major:minor number, the identity the kernel uses in /proc/self/mountinfo, sysfs and
 * {@code st_rdev}; kernel names and paths can change between boots, this cannot while the device is present.
 */
public record DeviceNumber(int major, int minor) {

    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    /** Parses {@code "259:3"}. */
    public static DeviceNumber parse(String majorMinor) {
        int colon = majorMinor.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("not major:minor: " + majorMinor);
        }
        return new DeviceNumber(Integer.parseInt(majorMinor.substring(0, colon).trim()),
                Integer.parseInt(majorMinor.substring(colon + 1).trim()));
    }

    /** Decodes a Linux {@code dev_t} (glibc's encoding, as {@code unix:rdev} and {@code unix:dev} report it). */
    public static DeviceNumber fromDevT(long dev) {
        int major = (int) (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL));
        int minor = (int) ((dev & 0xff) | ((dev >>> 12) & ~0xffL));
        return new DeviceNumber(major, minor);
    }

    /** The device number of {@code path} when it is a block device, empty for anything else. */
    public static Optional<DeviceNumber> ofBlockDevice(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            if ((mode & S_IFMT) != S_IFBLK) {
                return Optional.empty();
            }
            return Optional.of(fromDevT((Long) Files.getAttribute(path, "unix:rdev")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** The device number of the file system holding {@code path} ({@code st_dev}). */
    public static DeviceNumber fileSystemOf(Path path) throws IOException {
        return fromDevT((Long) Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS));
    }

    @Override
    public String toString() {
        return major + ":" + minor;
    }
}
