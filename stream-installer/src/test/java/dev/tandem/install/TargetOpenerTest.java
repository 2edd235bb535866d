package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.slot.Slot;
import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.linux.BlockDevice;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.testsupport.LoopDevices;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target-safety check on partitions of a real loop device (root only): the booted slot reached under another
 * name (its whole disk) is refused before anything is written; the partition beside it is not.
 */
class TargetOpenerTest {

    @TempDir
    Path dir;
    @RegisterExtension
    final LoopDevices loops = new LoopDevices();
    Path disk;

    @BeforeEach
    void partitionedLoopDevice() throws IOException {
        disk = loops.attachPartitioned(DeviceExtentTest.partitionedImage(dir));
    }

    private static Slot slot(String name, Path device) {
        return new Slot(name, "rootfs", name, device, null);
    }

    @Test
    void refusesTheWholeDiskThatHoldsTheBootedPartitionNamingBoth() throws IOException {
        Path booted = DeviceExtentTest.partition(disk, 1);
        assertThatThrownBy(() -> new TargetOpener().requireSafeTarget(slot("rootfs.1", disk),
                List.of(slot("rootfs.0", booted))))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.TARGET_BOOTED))
                .hasMessage("slot rootfs.1: " + disk + " is the same storage as the booted slot rootfs.0 (" + booted
                        + "); refusing to write it");
    }

    @Test
    void acceptsThePartitionBesideTheBootedOne() throws IOException {
        Path booted = DeviceExtentTest.partition(disk, 1);
        Path target = DeviceExtentTest.partition(disk, 2);
        assertThatCode(() -> new TargetOpener().requireSafeTarget(slot("rootfs.1", target),
                List.of(slot("rootfs.0", booted)))).doesNotThrowAnyException();
    }

    @Test
    void opensATargetExactlyAsLargeAsTheImageAndRefusesOneByteMore() throws IOException {
        Path target = DeviceExtentTest.partition(disk, 2);
        long size = 3 * DeviceExtentTest.MIB;
        try (BlockTarget t = new TargetOpener().openTarget(slot("rootfs.1", target), size)) {
            assertThat(t.size()).isEqualTo(size);
        }
        assertThatThrownBy(() -> new TargetOpener().openTarget(slot("rootfs.1", target), size + 1))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.TOO_SMALL))
                .hasMessage("slot rootfs.1: " + target + " holds " + size + " bytes, the image needs " + (size + 1));
    }

    @Test
    void refusesATargetAnotherProgramHoldsOpenAsBusy() throws IOException {
        Path target = DeviceExtentTest.partition(disk, 2);
        try (BlockDevice held = BlockDevice.open(target)) {
            assertThatThrownBy(() -> new TargetOpener().openTarget(slot("rootfs.1", target), 4096))
                    .isInstanceOfSatisfying(PolicyException.class,
                            e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.TARGET_BUSY))
                    .hasMessageStartingWith("slot rootfs.1: " + target + " is in use (mounted or held by another "
                            + "program): ");
        }
    }

    @Test
    void refusesAMountedTargetBeforeAnythingAndAtTheOpenNamingTheMountPoint() throws IOException {
        Path target = DeviceExtentTest.partition(disk, 2);
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        loops.mountExt4(target, mnt);
        assertThatThrownBy(() -> new TargetOpener().requireSafeTarget(slot("rootfs.1", target), List.of()))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.TARGET_MOUNTED))
                .hasMessage("slot rootfs.1: " + target + " is mounted on " + mnt + "; unmount it first");
        // Mounted after that check: the open checks again and names the mount point, not just "in use".
        assertThatThrownBy(() -> new TargetOpener().openTarget(slot("rootfs.1", target), 4096))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.reason()).isEqualTo(PolicyException.Reason.TARGET_MOUNTED))
                .hasMessage("slot rootfs.1: " + target + " is mounted on " + mnt + "; unmount it first");
    }

    @Test
    void aSlotThatDoesNotExistHasNoSize() {
        Path missing = dir.resolve("no-such-slot");
        assertThatThrownBy(() -> new TargetOpener().size(slot("rootfs.1", missing)))
                .isInstanceOf(dev.tandem.slot.SlotIoException.class)
                .hasMessage("slot rootfs.1: " + missing + " does not exist");
    }

    @Test
    void opensTheLocalSlotForReadingAndTheInstallsOwnFilesWhereAsked() throws IOException {
        Path local = DeviceExtentTest.partition(disk, 1);
        try (BlockDevice w = BlockDevice.open(local)) {
            w.write(ByteBuffer.wrap("local".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 4096);
            w.sync();
        }
        try (BlockTarget t = new TargetOpener().openLocal(slot("rootfs.0", local))) {
            ByteBuffer b = ByteBuffer.allocate(5);
            assertThat(t.read(b, 4096)).isEqualTo(5);
            assertThat(new String(b.array(), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("local");
        }
        Path journal = dir.resolve("install.json");
        new TargetOpener().durable(journal).replace(new byte[] {1, 2});
        assertThat(Files.readAllBytes(journal)).containsExactly(1, 2);
        assertThat(new TargetOpener().tables(dir.resolve("slots")).has("rootfs.0")).isFalse();
    }
}
