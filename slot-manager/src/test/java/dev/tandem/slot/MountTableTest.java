package dev.tandem.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountTableTest {

    @TempDir
    Path dir;

    @Test
    void theTopmostMountOnAPointWinsAndEscapesAreDecoded() throws IOException {
        Path m = dir.resolve("mountinfo");
        Files.writeString(m, """
                1 0 0:1 / / rw - rootfs rootfs rw
                22 1 179:3 / / ro,relatime shared:1 - ext4 /dev/root ro
                30 22 179:5 / /media/usb\\040stick rw,nosuid - vfat /dev/sda1 rw
                """);

        MountTable t = MountTable.read(m);

        assertThat(t.deviceOf("/")).hasValue(new DeviceNumber(179, 3));
        assertThat(t.mountPointOf(new DeviceNumber(179, 5))).hasValue("/media/usb stick");
        assertThat(t.deviceOf("/data")).isEmpty();
    }

    @Test
    void thisProcessesOwnTableHasARoot() {
        assertThat(MountTable.read(MountTable.PROC_MOUNTINFO).deviceOf("/")).isPresent();
    }
}
