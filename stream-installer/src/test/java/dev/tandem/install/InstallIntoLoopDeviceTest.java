package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FileSource;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.state.SlotState;
import dev.tandem.testsupport.LoopDevices;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Installs into loop-device slots (root only): the block-device path of the installer ({@code O_EXCL} open,
 * {@code BLKGETSIZE64}, {@code BLKZEROOUT}, {@code BLKFLSBUF}) and the checks that run on the device: mounted, too
 * small. Every loop device made here is detached afterwards, whatever happens.
 */
class InstallIntoLoopDeviceTest {

    static final long SLOT_SIZE = 32L << 20;
    static final long IMAGE_SIZE = (24L << 20) + 8192;

    @TempDir
    Path dir;
    @RegisterExtension
    final LoopDevices loops = new LoopDevices();
    Path image;

    @BeforeEach
    void makeImage() throws IOException {
        image = TestDevice.imageWithZeroRegions(dir.resolve("v2.img"), IMAGE_SIZE, 9);
    }

    /** A device whose slots are loop devices over the default slot files; slot B's file first filled by {@code b}. */
    TestDevice device(long slotBSize) throws IOException {
        return TestDevice.create(dir.resolve("device"), file -> {
            if (file.getFileName().toString().equals("slot-b.img")) {
                fill(file, slotBSize);
            }
            return loops.attach(file);
        }, SLOT_SIZE, "");
    }

    /** Replaces the file with {@code size} bytes of 0xA5: zero chunks must really be zeroed on the device. */
    static void fill(Path file, long size) throws IOException {
        byte[] pattern = new byte[1 << 20];
        Arrays.fill(pattern, (byte) 0xA5);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long at = 0; at < size; at += pattern.length) {
                ByteBuffer b = ByteBuffer.wrap(pattern, 0, (int) Math.min(pattern.length, size - at));
                while (b.hasRemaining()) {
                    ch.write(b, at + b.position());
                }
            }
        }
    }

    Path slotBDevice() {
        return loops.device(1);
    }

    InstallResult install(TestDevice device, Path bundle, CheckedTargets targets) throws IOException {
        try (BundleSource s = FileSource.open(bundle)) {
            return device.installer(InstallSettings.defaults(), targets).install(s, InstallOptions.defaults(),
                    InstallListener.NONE);
        }
    }

    @Test
    void installsIntoALoopDeviceByteIdentical() throws IOException {
        TestDevice device = device(SLOT_SIZE);
        Path bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
        CheckedTargets targets = new CheckedTargets(image);

        InstallResult r = install(device, bundle, targets);

        assertThat(targets.violations()).isEmpty();
        assertThat(targets.written()).anyMatch(CheckedTargets.Written::zero);
        assertThat(TestDevice.firstDifference(slotBDevice(), image)).as("device").isEqualTo(-1);
        assertThat(TestDevice.firstDifference(device.slotB, image)).as("its backing file").isEqualTo(-1);
        assertThat(r.images().get(0).zeroed()).isPositive();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
        assertThat(device.bootloader().primary()).hasValue("B");
    }

    @Test
    void refusesAMountedTargetNamingTheMountPointAndChangesNothing() throws IOException {
        TestDevice device = device(SLOT_SIZE);
        Path bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        loops.mountExt4(slotBDevice(), mnt);
        CheckedTargets targets = new CheckedTargets(image);

        assertThatThrownBy(() -> install(device, bundle, targets))
                .isInstanceOfSatisfying(PolicyException.class, e -> {
                    assertThat(e.reason()).isEqualTo(PolicyException.Reason.TARGET_MOUNTED);
                    assertThat(e.getMessage()).contains(mnt.toString()).doesNotContain("\n");
                });
        assertThat(targets.opened()).isZero();
        assertThat(device.state(TestDevice.SLOT_B)).as("a refusal changes no state").isEqualTo(SlotState.EMPTY);
        assertThat(device.journal()).doesNotExist();
    }

    @Test
    void refusesALoopDeviceSmallerThanTheImage() throws IOException {
        TestDevice device = device(IMAGE_SIZE - (1L << 20));
        Path bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
        CheckedTargets targets = new CheckedTargets(image);

        assertThatThrownBy(() -> install(device, bundle, targets))
                .isInstanceOfSatisfying(PolicyException.class, e -> {
                    assertThat(e.reason()).isEqualTo(PolicyException.Reason.TOO_SMALL);
                    assertThat(e.getMessage()).contains(String.valueOf(IMAGE_SIZE - (1L << 20)));
                });
        assertThat(targets.opened()).isZero();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
    }
}
