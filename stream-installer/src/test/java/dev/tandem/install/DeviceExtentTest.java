package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.slot.DeviceNumber;
import dev.tandem.testsupport.LoopDevice;
import dev.tandem.testsupport.LoopDevices;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a slot's bytes live, read from the kernel's sysfs for real loop devices (root only): a partition of a loop
 * device over a file is a range of that file, whatever name reaches it. Two tests give {@link DeviceExtent} a
 * made-up sysfs tree for what a real kernel does not show (a cycle, a size of 0).
 */
class DeviceExtentTest {

    static final long MIB = 1 << 20;

    @TempDir
    Path dir;
    @RegisterExtension
    final LoopDevices loops = new LoopDevices();
    Path image;
    Path disk;

    @BeforeEach
    void partitionedLoopDevice() throws IOException {
        image = partitionedImage(dir);
        disk = loops.attachPartitioned(image);
    }

    /** An 8 MiB GPT disk image: partition 1 from 1 MiB to 4 MiB, partition 2 from 4 MiB to 7 MiB. */
    static Path partitionedImage(Path dir) throws IOException {
        Assumptions.assumeTrue(LoopDevice.onPath("sfdisk"), "sfdisk (util-linux fdisk) is not installed");
        Path image = dir.resolve("disk.img");
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), 8 * MIB - 1);
        }
        Path script = Files.writeString(dir.resolve("disk.sfdisk"),
                "label: gpt\nstart=2048, size=6144\nstart=8192, size=6144\n");
        LoopDevice.run("sh", "-c", "sfdisk -q \"$1\" < \"$2\"", "sh", image.toString(), script.toString());
        return image;
    }

    /** The node of partition {@code n} of a loop device attached with its partitions. */
    static Path partition(Path disk, int n) throws IOException {
        Path node = Path.of(disk + "p" + n);
        // partx made the node; without udev, devtmpfs may show it a moment later.
        for (int i = 0; i < 100 && !Files.exists(node); i++) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        Assumptions.assumeTrue(Files.exists(node), "no partition node " + node + " after losetup -P and partx -a");
        return node;
    }

    private Path partition(int n) throws IOException {
        return partition(disk, n);
    }

    private static DeviceExtent extent(Path path) throws IOException {
        return DeviceExtent.of(path, DeviceExtent.SYS_DEV_BLOCK);
    }

    private String imageStore() throws IOException {
        return extent(image).store();
    }

    @Test
    void aPartitionOfALoopDeviceIsItsRangeOfTheBackingFile() throws IOException {
        assertThat(extent(disk)).isEqualTo(new DeviceExtent(imageStore(), 0, 8 * MIB));
        assertThat(extent(partition(1))).isEqualTo(new DeviceExtent(imageStore(), MIB, 3 * MIB));
        assertThat(extent(partition(2))).isEqualTo(new DeviceExtent(imageStore(), 4 * MIB, 3 * MIB));
        assertThat(extent(partition(1)).overlaps(extent(disk))).isTrue();
        assertThat(extent(partition(1)).overlaps(extent(partition(2)))).as("adjacent partitions").isFalse();
        assertThat(extent(partition(1)).overlaps(extent(dir.resolve("disk.sfdisk")))).as("another file").isFalse();
    }

    @Test
    void aSecondLoopDeviceOverPartOfTheFileOverlapsThePartitionThatHoldsThoseBytes() throws IOException {
        Path second = Path.of(LoopDevice.run("losetup", "--find", "--show", "--offset", String.valueOf(3 * MIB),
                "--sizelimit", String.valueOf(MIB), image.toString()).trim());
        try {
            DeviceExtent window = extent(second);
            assertThat(window).isEqualTo(new DeviceExtent(imageStore(), 3 * MIB, MIB));
            assertThat(window.overlaps(extent(partition(1)))).isTrue();
            assertThat(window.overlaps(extent(partition(2)))).as("ends where partition 2 starts").isFalse();
        } finally {
            LoopDevice.run("losetup", "--detach", second.toString());
        }
    }

    @Test
    void aLoopDeviceWhoseFileWasReplacedCountsAsTheFileNowAtThatPath() throws IOException {
        // The kernel shows "<path> (deleted)": the file now at <path> is taken, which errs towards refusing.
        Path file = Files.write(dir.resolve("slot.img"), new byte[64 * 1024]);
        Path loop = loops.attach(file);
        Files.delete(file);
        Files.write(file, new byte[4096]);
        assertThat(extent(loop)).isEqualTo(new DeviceExtent(extent(file).store(), 0, 64 * 1024));
    }

    @Test
    void aCycleInSysfsEndsAfterNineLevels() throws IOException {
        // A partition whose disk is itself, starting one sector in: every level followed adds 512 bytes.
        DeviceNumber dev = DeviceNumber.ofBlockDevice(disk).orElseThrow();
        Path sys = Files.createDirectories(dir.resolve("sys"));
        Path part = Files.createDirectories(sys.resolve("devices/disk/part"));
        Files.writeString(part.getParent().resolve("dev"), dev.major() + ":" + dev.minor() + "\n");
        Files.writeString(part.resolve("partition"), "1\n");
        Files.writeString(part.resolve("start"), "1\n");
        Files.writeString(part.resolve("size"), "8\n");
        Files.createSymbolicLink(sys.resolve(dev.major() + ":" + dev.minor()), part);
        assertThat(DeviceExtent.of(disk, sys))
                .isEqualTo(new DeviceExtent("disk:" + dev.major() + ":" + dev.minor(), 9 * 512, 8 * 512));
    }

    @Test
    void aSizeOfZeroIsUnknownNotAnEmptyRangeThatOverlapsNothing() throws IOException {
        DeviceNumber dev = DeviceNumber.ofBlockDevice(disk).orElseThrow();
        Path sys = Files.createDirectories(dir.resolve("sys"));
        Path node = Files.createDirectories(sys.resolve(dev.major() + ":" + dev.minor()));
        DeviceExtent unknown = new DeviceExtent("disk:" + dev.major() + ":" + dev.minor(), 0, Long.MAX_VALUE);
        assertThat(DeviceExtent.of(disk, sys)).as("no size file").isEqualTo(unknown);
        Files.writeString(node.resolve("size"), "0\n");
        assertThat(DeviceExtent.of(disk, sys)).isEqualTo(unknown);
        assertThat(unknown.overlaps(unknown)).isTrue();
    }
}
