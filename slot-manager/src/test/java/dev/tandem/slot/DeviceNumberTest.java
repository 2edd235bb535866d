package dev.tandem.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceNumberTest {

    @Test
    void linuxDevTIsDecodedIncludingLargeMinors() {
        assertThat(DeviceNumber.fromDevT(0x0801)).isEqualTo(new DeviceNumber(8, 1));
        // makedev(259, 300): minor bits above 8 live at bit 20.
        long dev = ((259L & 0xfff) << 8) | (300L & 0xff) | ((300L & ~0xffL) << 12);
        assertThat(DeviceNumber.fromDevT(dev)).isEqualTo(new DeviceNumber(259, 300));
        assertThat(DeviceNumber.parse("259:300").toString()).isEqualTo("259:300");
    }

    @Test
    void aRegularFileIsNotABlockDevice(@TempDir Path dir) throws IOException {
        Path f = java.nio.file.Files.writeString(dir.resolve("slot.img"), "x");

        assertThat(DeviceNumber.ofBlockDevice(f)).isEmpty();
        assertThat(DeviceNumber.fileSystemOf(f)).isNotNull();
    }
}
