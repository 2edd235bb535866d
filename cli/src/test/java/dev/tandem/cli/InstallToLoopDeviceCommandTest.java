package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.install.TestDevice;
import dev.tandem.slot.state.SlotState;
import dev.tandem.testsupport.LoopDevices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem install} into loop-device slots (root only): it installs, and refuses a mounted or too small
 * target with exit 4 and one line naming the reason. Every loop device made here is detached afterwards.
 */
class InstallToLoopDeviceCommandTest {

    static final long IMAGE_SIZE = 16L << 20;

    @TempDir
    Path dir;
    @RegisterExtension
    final LoopDevices loops = new LoopDevices();
    Path image;

    @BeforeEach
    void makeImage() throws IOException {
        image = TestDevice.imageWithZeroRegions(dir.resolve("v2.img"), IMAGE_SIZE, 19);
    }

    TestDevice device(long slotSize) throws IOException {
        return TestDevice.create(dir.resolve("device"), loops::attach, slotSize, "");
    }

    Tandem.Result install(TestDevice device, Path bundle) {
        return Tandem.run("install", bundle.toString(), "--config", device.configFile.toString(), "--progress=none");
    }

    @Test
    void installsIntoALoopDevice() throws IOException {
        TestDevice device = device(IMAGE_SIZE + (1L << 20));
        Path bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
        Tandem.Result r = install(device, bundle);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(TestDevice.slotHolds(loops.device(1), image)).isTrue();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
    }

    @Test
    void aMountedTargetExitsFourNamingTheMountPoint() throws IOException {
        TestDevice device = device(IMAGE_SIZE + (1L << 20));
        Path bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        loops.mountExt4(loops.device(1), mnt);

        Tandem.Result r = install(device, bundle);

        ExitCodesTest.assertError(r, 4, "is mounted on " + mnt);
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
    }

    @Test
    void aLoopDeviceSmallerThanTheImageExitsFour() throws IOException {
        TestDevice device = device(IMAGE_SIZE - (2L << 20));
        Path bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
        ExitCodesTest.assertError(install(device, bundle), 4, "does not fit slot rootfs.1");
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
    }
}
