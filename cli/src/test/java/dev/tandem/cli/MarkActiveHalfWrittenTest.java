package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.install.TestDevice;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem mark-active} on a slot an interrupted install left half-written and someone then marked bad: refused
 * with exit 4 and the reason, the bootloader untouched.
 */
class MarkActiveHalfWrittenTest {

    @TempDir
    Path dir;

    @Test
    void markActiveRefusesASlotLeftHalfWrittenThenMarkedBad() throws IOException {
        TestDevice device = TestDevice.create(dir.resolve("device"), 16L << 20, "");
        Path image = TestDevice.randomImage(dir.resolve("v2.img"), 8L << 20, 7);
        Path bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
        try (FileChannel ch = FileChannel.open(bundle, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(bundle) / 2); // the stick pulled halfway
        }
        String config = device.configFile.toString();

        Tandem.Result install = Tandem.run("install", bundle.toString(), "--progress=none", "--config", config);
        assertThat(install.exitCode()).as(install.toString()).isNotZero();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.WRITING);
        Tandem.Result bad = Tandem.run("mark-bad", "other", "--config", config);
        assertThat(bad.exitCode()).as(bad.toString()).isZero();

        Tandem.Result active = Tandem.run("mark-active", "other", "--config", config);

        assertThat(active.exitCode()).as(active.toString()).isEqualTo(4);
        assertThat(active.err()).contains("rootfs.1: it is bad and its content was never written in full and"
                + " checked (an interrupted install?); install a bundle into it first");
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.BAD);
        assertThat(device.bootloader().primary()).hasValue("A");
        assertThat(device.bootloader().state("B").bootable()).isFalse();
    }
}
