package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.slot.Slot;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.testsupport.LoopDevices;
import java.io.IOException;
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
                .isInstanceOfSatisfying(PolicyException.class, e -> org.assertj.core.api.Assertions
                        .assertThat(e.reason()).isEqualTo(PolicyException.Reason.TARGET_BOOTED))
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
}
