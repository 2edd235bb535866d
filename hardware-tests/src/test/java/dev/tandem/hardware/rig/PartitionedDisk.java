package dev.tandem.hardware.rig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A sparse disk image with a real MBR partition table (written by sfdisk, read back with {@code sfdisk --json}),
 * a loop device over the whole disk and one per partition ({@code losetup -o/--sizelimit}, because
 * {@code losetup -P} makes no partition nodes without udev). Detached on close.
 */
public final class PartitionedDisk implements AutoCloseable {

    private final Path file;
    private final LoopDevice whole;
    private final List<LoopDevice> partitions;
    private final List<long[]> extents;

    private PartitionedDisk(Path file, LoopDevice whole, List<LoopDevice> partitions, List<long[]> extents) {
        this.file = file;
        this.whole = whole;
        this.partitions = partitions;
        this.extents = extents;
    }

    /** A disk of {@code diskBytes} with partitions of the given sizes (MiB-aligned, Linux type), attached. */
    public static PartitionedDisk create(Path file, long diskBytes, long... partitionBytes) throws IOException {
        Files.deleteIfExists(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(diskBytes);
        }
        StringBuilder script = new StringBuilder("label: dos\n");
        for (long size : partitionBytes) {
            script.append("size=").append(size / 512).append(", type=83\n");
        }
        HostCommand.of("sfdisk", "-q", "--no-reread", "--no-tell-kernel", file.toString()).stdin(script.toString()).ok();
        JsonNode table = new ObjectMapper().readTree(HostCommand.of("sfdisk", "--json", file.toString()).ok());
        long sector = table.path("partitiontable").path("sectorsize").asLong(512);
        List<long[]> extents = new ArrayList<>();
        for (JsonNode p : table.path("partitiontable").path("partitions")) {
            extents.add(new long[] {p.path("start").asLong() * sector, p.path("size").asLong() * sector});
        }
        if (extents.size() != partitionBytes.length) {
            throw new RigException("sfdisk wrote " + extents.size() + " partitions, wanted " + partitionBytes.length);
        }
        List<LoopDevice> parts = new ArrayList<>();
        LoopDevice whole = null;
        try {
            whole = LoopDevice.attach(file);
            for (long[] e : extents) {
                parts.add(LoopDevice.attach(file, e[0], e[1]));
            }
            return new PartitionedDisk(file, whole, parts, extents);
        } catch (RuntimeException e) {
            for (LoopDevice l : parts) {
                l.close();
            }
            if (whole != null) {
                whole.close();
            }
            throw e;
        }
    }

    /** The image file. */
    public Path file() {
        return file;
    }

    /** The loop device over the whole disk. */
    public Path whole() {
        return whole.device();
    }

    /** The loop device of partition {@code number} (1-based). */
    public Path partition(int number) {
        return partitions.get(number - 1).device();
    }

    /** Byte offset and length of partition {@code number} in the image, as the partition table says. */
    public long[] extent(int number) {
        return extents.get(number - 1).clone();
    }

    @Override
    public void close() {
        RigException failure = null;
        List<LoopDevice> all = new ArrayList<>(partitions);
        all.add(whole);
        for (LoopDevice l : all) {
            try {
                l.close();
            } catch (RigException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
