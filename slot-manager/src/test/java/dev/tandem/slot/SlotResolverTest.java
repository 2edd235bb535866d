package dev.tandem.slot;

import dev.tandem.slot.config.SystemConfig;
import static dev.tandem.slot.ConfigReasons.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testsupport.LoopDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlotResolverTest {

    @TempDir
    Path dir;

    private SystemConfig config(String a, String b) throws IOException {
        Files.writeString(dir.resolve("keyring.pem"), "k");
        Path file = dir.resolve("system.toml");
        Files.writeString(file, "compatible = \"x\"\nbootloader = \"file\"\nkeyring = \"keyring.pem\"\ndata-dir = \"/data/t\"\n"
                + "[slots.\"rootfs.0\"]\n" + a + "\nbootname = \"A\"\n[slots.\"rootfs.1\"]\n" + b + "\nbootname = \"B\"\n");
        return SystemConfig.load(file);
    }

    /**
     * A directory laid out like /sys/class/block for disk "vdz" with {@code partitions} partitions: entries are
     * symlinks into a devices tree, as in sysfs, and partitions live in their disk's directory.
     */
    private Path fakeSysfs(int partitions) throws IOException {
        Path devices = Files.createDirectories(dir.resolve("sys/devices/block/vdz"));
        Files.writeString(devices.resolve("dev"), "254:0\n");
        Path classBlock = Files.createDirectories(dir.resolve("sys/class/block"));
        Files.createSymbolicLink(classBlock.resolve("vdz"), devices);
        for (int n = 1; n <= partitions; n++) {
            Path p = Files.createDirectories(devices.resolve("vdz" + n));
            Files.writeString(p.resolve("partition"), n + "\n");
            Files.writeString(p.resolve("dev"), "254:" + n + "\n");
            Files.writeString(p.resolve("uevent"), "MAJOR=254\nMINOR=" + n + "\nDEVNAME=vdz" + n + "\nDEVTYPE=partition\n");
            Files.createSymbolicLink(classBlock.resolve("vdz" + n), p);
        }
        return classBlock;
    }

    /** A /dev-like directory holding the disk image as "vdz" and empty partition nodes. */
    private Path fakeDev(Path image, int partitions) throws IOException {
        Path dev = Files.createDirectories(dir.resolve("dev"));
        Files.copy(image, dev.resolve("vdz"));
        for (int n = 1; n <= partitions; n++) {
            Files.createFile(dev.resolve("vdz" + n));
        }
        return dev;
    }

    @Test
    void aDevicePathIsTakenAsGivenAndTheBootDiskIsNeverAskedFor() throws IOException {
        SystemConfig c = config("device = \"a.img\"", "device = \"/dev/mmcblk0p3\"");

        List<Slot> slots = new SlotResolver(dir, dir).resolve(c, () -> {
            throw new AssertionError("not needed");
        });

        assertThat(slots).extracting(Slot::device).containsExactly(dir.resolve("a.img"), Path.of("/dev/mmcblk0p3"));
        assertThat(slots.get(1)).isEqualTo(new Slot("rootfs.1", "rootfs", "B", Path.of("/dev/mmcblk0p3"), null));
    }

    @Nested
    class OnADirectoryLaidOutLikeSysfs {

        @Test
        void partlabelsAreFoundInTheBootDisksGpt() throws Exception {
            SlotResolver r = new SlotResolver(fakeSysfs(3), fakeDev(GptImage.create(dir, false), 3));

            List<Slot> slots = r.resolve(config("partlabel = \"rootfs-a\"", "partlabel = \"rootfs-b\""), () -> "vdz");

            assertThat(slots).extracting(Slot::device).containsExactly(dir.resolve("dev/vdz1"), dir.resolve("dev/vdz2"));
        }

        @Test
        void partuuidsAreFoundInTheBootDisksGpt() throws Exception {
            SlotResolver r = new SlotResolver(fakeSysfs(3), fakeDev(GptImage.create(dir, false), 3));

            List<Slot> slots = r.resolve(config("partuuid = \"" + GptImage.PARTUUID_B + "\"",
                    "partuuid = \"" + GptImage.PARTUUID_A.toUpperCase() + "\""), () -> "vdz");

            assertThat(slots).extracting(Slot::device).containsExactly(dir.resolve("dev/vdz2"), dir.resolve("dev/vdz1"));
        }

        @Test
        void partitionNumbersAreFoundInSysfs() throws Exception {
            SlotResolver r = new SlotResolver(fakeSysfs(3), fakeDev(GptImage.create(dir, false), 3));

            List<Slot> slots = r.resolve(config("partition = 3", "partition = 1"), () -> "vdz");

            assertThat(slots).extracting(Slot::device).containsExactly(dir.resolve("dev/vdz3"), dir.resolve("dev/vdz1"));
        }

        @Test
        void aLabelOnSeveralPartitionsIsRefused() throws Exception {
            SlotResolver r = new SlotResolver(fakeSysfs(3), fakeDev(GptImage.create(dir, true), 3));

            assertThatThrownBy(() -> r.resolve(config("partlabel = \"rootfs-a\"", "partlabel = \"rootfs-b\""),
                    () -> "vdz")).satisfies(reason(ConfigException.Reason.SLOT_AMBIGUOUS))
                    .hasMessageContaining("rootfs.1").hasMessageContaining("(numbers 2, 3)");
        }

        @Test
        void aLabelOnNoPartitionIsRefused() throws Exception {
            SlotResolver r = new SlotResolver(fakeSysfs(3), fakeDev(GptImage.create(dir, false), 3));

            assertThatThrownBy(() -> r.resolve(config("partlabel = \"rootfs-a\"", "partlabel = \"recovery\""),
                    () -> "vdz")).satisfies(reason(ConfigException.Reason.SLOT_NOT_FOUND))
                    .hasMessageContaining("partlabel=recovery");
        }

        @Test
        void aPartitionTheKernelDoesNotKnowIsRefused() throws Exception {
            SlotResolver r = new SlotResolver(fakeSysfs(2), fakeDev(GptImage.create(dir, false), 2));

            assertThatThrownBy(() -> r.resolve(config("partition = 1", "partition = 3"), () -> "vdz"))
                    .satisfies(reason(ConfigException.Reason.SLOT_NOT_FOUND)).hasMessageContaining("numbered 3");
        }

        @Test
        void aDiskWithoutPartitionTableIsRefused() throws Exception {
            Path blank = dir.resolve("blank.img");
            Files.write(blank, new byte[64 * 1024]);
            SlotResolver r = new SlotResolver(fakeSysfs(2), fakeDev(blank, 2));

            assertThatThrownBy(() -> r.resolve(config("partlabel = \"a\"", "partlabel = \"b\""), () -> "vdz"))
                    .satisfies(reason(ConfigException.Reason.SLOT_NOT_FOUND));
        }

        @Test
        void theDiskOfAPartitionIsItsParentInSysfs() throws Exception {
            SlotResolver r = new SlotResolver(fakeSysfs(2), dir);

            assertThat(r.diskOf(DeviceNumber.parse("254:2"))).hasValue("vdz");
            assertThat(r.diskOf(DeviceNumber.parse("254:0"))).hasValue("vdz");
            assertThat(r.diskOf(DeviceNumber.parse("8:0"))).isEmpty();
        }

        @Test
        void theBootDiskIsTheDiskOfTheFileSystemMountedOnRoot() throws Exception {
            SlotResolver r = new SlotResolver(fakeSysfs(3), fakeDev(GptImage.create(dir, false), 3));
            Path mountinfo = Files.writeString(dir.resolve("mountinfo"), """
                    1 0 0:1 / / rw - rootfs rootfs rw
                    22 1 254:2 / / ro,relatime shared:1 - ext4 /dev/root ro
                    30 22 8:1 / /media/usb rw,nosuid - vfat /dev/sda1 rw
                    """);

            assertThat(r.bootDisk(mountinfo)).isEqualTo("vdz");
            assertThat(r.resolve(config("partlabel = \"rootfs-a\"", "partition = 2"), mountinfo))
                    .extracting(Slot::device).containsExactly(dir.resolve("dev/vdz1"), dir.resolve("dev/vdz2"));
        }

        @Test
        void noBootDiskIsFoundWhenNothingIsMountedOnRootOrItIsNoBlockDevice() throws Exception {
            SlotResolver r = new SlotResolver(fakeSysfs(2), dir);
            Path nothingOnRoot = Files.writeString(dir.resolve("mountinfo-1"),
                    "30 22 254:1 / /data rw - ext4 /dev/vdz1 rw\n");
            Path overlayRoot = Files.writeString(dir.resolve("mountinfo-2"),
                    "22 1 0:35 / / rw - overlay overlay rw\n");

            assertThatThrownBy(() -> r.bootDisk(nothingOnRoot))
                    .satisfies(reason(ConfigException.Reason.BOOT_DISK_UNKNOWN))
                    .hasMessage("cannot find the boot disk: nothing is mounted on /");
            assertThatThrownBy(() -> r.bootDisk(overlayRoot))
                    .satisfies(reason(ConfigException.Reason.BOOT_DISK_UNKNOWN))
                    .hasMessageStartingWith("cannot find the boot disk: / is on 0:35, which is not a block device");
        }
    }

    @Nested
    class OnALoopDevice {

        @Test
        void partlabelsAndPartuuidsResolveToTheKernelsPartitionNodes() throws Exception {
            try (LoopDevice loop = GptImage.attach(dir, false)) {
                SlotResolver r = SlotResolver.system();

                List<Slot> slots = r.resolve(config("partlabel = \"rootfs-a\"",
                        "partuuid = \"" + GptImage.PARTUUID_B + "\""), loop::name);

                assertThat(slots).extracting(Slot::device).containsExactly(Path.of(loop.device + "p1"),
                        Path.of(loop.device + "p2"));
                DeviceNumber p2 = DeviceNumber.ofBlockDevice(slots.get(1).device()).orElseThrow();
                assertThat(r.diskOf(p2)).hasValue(loop.name());
            }
        }
    }
}
