package dev.tandem.agent.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Removable media from a mountinfo and a sysfs laid out as the kernel does (symlinks under dev/block). */
class MediaWatcherTest {

    @TempDir
    Path dir;
    Path sys;

    @BeforeEach
    void sysfs() throws IOException {
        sys = dir.resolve("sys");
        // mmcblk0 (boot disk, reports removable as SD cards do), sda (USB stick), sdb (SATA disk, fixed).
        disk("devices/platform/mmc/mmc_host/mmc0/block/mmcblk0", "179:0", "1");
        part("devices/platform/mmc/mmc_host/mmc0/block/mmcblk0/mmcblk0p2", "179:2");
        disk("devices/pci0000:00/usb1/1-1/host0/block/sda", "8:0", "0");
        part("devices/pci0000:00/usb1/1-1/host0/block/sda/sda1", "8:1");
        disk("devices/pci0000:00/ata1/host1/block/sdb", "8:16", "0");
        part("devices/pci0000:00/ata1/host1/block/sdb/sdb1", "8:17");
        disk("devices/pci0000:00/mmc1/block/mmcblk1", "179:32", "1");
    }

    private void disk(String path, String dev, String removable) throws IOException {
        Path d = Files.createDirectories(sys.resolve(path));
        Files.writeString(d.resolve("removable"), removable + "\n");
        link(dev, d);
    }

    private void part(String path, String dev) throws IOException {
        Path d = Files.createDirectories(sys.resolve(path));
        Files.writeString(d.resolve("partition"), "1\n");
        link(dev, d);
    }

    private void link(String dev, Path target) throws IOException {
        Files.createDirectories(sys.resolve("dev/block"));
        Files.createSymbolicLink(sys.resolve("dev/block/" + dev), target);
    }

    private MediaWatcher watcher(String mountinfo, List<Path> dirs) throws IOException {
        return new MediaWatcher(Files.writeString(dir.resolve("mountinfo"), mountinfo), sys, dirs);
    }

    @Test
    void findsUsbAndRemovableMountsButNeverTheBootDisk() throws IOException {
        MediaWatcher w = watcher("""
                22 1 179:2 / / rw,relatime - ext4 /dev/mmcblk0p2 rw
                23 22 0:21 / /proc rw - proc proc rw
                40 22 8:1 / /media/usb\\040stick rw,nosuid,nodev - vfat /dev/sda1 rw
                41 22 8:17 / /mnt/data rw - ext4 /dev/sdb1 rw
                42 22 179:32 / /media/sd rw - exfat /dev/mmcblk1 rw
                """, List.of());
        assertThat(w.places()).containsExactly(Path.of("/media/usb stick"), Path.of("/media/sd"));
    }

    @Test
    void configuredDirectoriesCountWhenTheyExist() throws IOException {
        Path updates = Files.createDirectories(dir.resolve("updates"));
        MediaWatcher w = watcher("22 1 179:2 / / rw - ext4 /dev/mmcblk0p2 rw\n", List.of(updates,
                dir.resolve("missing")));
        assertThat(w.places()).containsExactly(updates);
    }

    @Test
    void aPulledStickDisappears() throws IOException {
        Path mi = dir.resolve("mountinfo");
        MediaWatcher w = watcher("22 1 179:2 / / rw - ext4 /dev/mmcblk0p2 rw\n"
                + "40 22 8:1 / /media/usb rw - vfat /dev/sda1 rw\n", List.of());
        assertThat(w.places()).hasSize(1);
        Files.writeString(mi, "22 1 179:2 / / rw - ext4 /dev/mmcblk0p2 rw\n");
        assertThat(w.places()).isEmpty();
    }
}
