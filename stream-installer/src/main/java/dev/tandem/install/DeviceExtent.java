package dev.tandem.install;

import dev.tandem.slot.DeviceNumber;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where a slot's bytes physically live: a store (a whole disk, or a regular file) and a byte range in it. Two slots
 * overlap when their extents share a store and their ranges intersect, whatever their names: a symlink to the
 * booted partition, the whole disk that contains it, or a second loop device over the same file are all caught
 * (ARCHITECTURE.md §5: "all safety checks run on the opened descriptor").
 *
 * <p>Partitions are followed to their disk through {@code /sys/dev/block/M:m} ({@code partition}, {@code start}),
 * loop devices to their backing file ({@code loop/backing_file}, {@code loop/offset}, {@code loop/sizelimit}),
 * recursively, so a partition of a loop device over a file resolves to that file.
 *
 * @param store  "file:<dev>:<inode>" or "disk:<major>:<minor>"
 * @param offset first byte in the store
 * @param length bytes; {@link Long#MAX_VALUE} when unknown (to the end)
 */
record DeviceExtent(String store, long offset, long length) {

    static final Path SYS_DEV_BLOCK = Path.of("/sys/dev/block");

    boolean overlaps(DeviceExtent other) {
        if (!store.equals(other.store)) {
            return false;
        }
        long end = length == Long.MAX_VALUE ? Long.MAX_VALUE : offset + length;
        long otherEnd = other.length == Long.MAX_VALUE ? Long.MAX_VALUE : other.offset + other.length;
        return offset < otherEnd && other.offset < end;
    }

    /** The extent of a slot's device or file. */
    static DeviceExtent of(Path path, Path sysDevBlock) throws IOException {
        Optional<DeviceNumber> dev = DeviceNumber.ofBlockDevice(path);
        if (dev.isPresent()) {
            return ofBlockDevice(dev.get(), sysDevBlock, 0);
        }
        return ofFile(path.toRealPath(), 0, Long.MAX_VALUE);
    }

    private static DeviceExtent ofFile(Path file, long offset, long length) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino");
        return new DeviceExtent("file:" + a.get("dev") + ":" + a.get("ino"), offset, length);
    }

    private static DeviceExtent ofBlockDevice(DeviceNumber dev, Path sys, int depth) throws IOException {
        Path node = sys.resolve(dev.major() + ":" + dev.minor());
        if (depth > 8 || !Files.isDirectory(node)) {
            return new DeviceExtent("disk:" + dev.major() + ":" + dev.minor(), 0, Long.MAX_VALUE);
        }
        Path real = node.toRealPath();
        long sizeBytes = readLong(real.resolve("size")) * 512;
        long length = sizeBytes > 0 ? sizeBytes : Long.MAX_VALUE;
        if (Files.exists(real.resolve("partition"))) {
            // A partition's sysfs directory sits inside its disk's; "start" is in 512-byte sectors.
            long start = readLong(real.resolve("start")) * 512;
            Optional<DeviceNumber> disk = deviceNumber(real.getParent().resolve("dev"));
            if (disk.isPresent()) {
                DeviceExtent parent = ofBlockDevice(disk.get(), sys, depth + 1);
                return new DeviceExtent(parent.store(), parent.offset() + start, length);
            }
        }
        Path backing = real.resolve("loop/backing_file");
        if (Files.isReadable(backing)) {
            String file = Files.readString(backing).trim();
            long offset = readLong(real.resolve("loop/offset"));
            long limit = readLong(real.resolve("loop/sizelimit"));
            // A deleted backing file shows as "<path> (deleted)": the file now at <path>, if any, is taken for it,
            // which errs towards refusing.
            Path f = Path.of(file.endsWith(" (deleted)") ? file.substring(0, file.length() - 10) : file);
            if (Files.exists(f)) {
                return ofFile(f.toRealPath(), offset, limit > 0 ? limit : length);
            }
        }
        return new DeviceExtent("disk:" + dev.major() + ":" + dev.minor(), 0, length);
    }

    private static Optional<DeviceNumber> deviceNumber(Path devFile) {
        try {
            return Optional.of(DeviceNumber.parse(Files.readString(devFile).trim()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The number in a sysfs file; 0 when there is none (a size of 0 is taken as unknown: to the end). */
    private static long readLong(Path p) {
        try {
            return Long.parseLong(Files.readString(p).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
