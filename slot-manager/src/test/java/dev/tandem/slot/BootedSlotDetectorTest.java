package dev.tandem.slot;

import static dev.tandem.slot.ConfigReasons.reason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.boot.FileAdapter;
import dev.tandem.storage.DurableFile;
import dev.tandem.testsupport.LoopDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootedSlotDetectorTest {

    @TempDir
    Path dir;

    private final List<Slot> slots = List.of(
            new Slot("rootfs.0", "rootfs", "A", Path.of("/nonexistent/a"), null),
            new Slot("rootfs.1", "rootfs", "B", Path.of("/nonexistent/b"), null),
            new Slot("appfs.1", "appfs", null, Path.of("/nonexistent/d"), "rootfs.1"));

    private BootedSlotDetector detector(String cmdline, String mountinfo) throws IOException {
        Path c = dir.resolve("cmdline");
        Path m = dir.resolve("mountinfo");
        if (cmdline != null) {
            Files.writeString(c, cmdline + "\n");
        }
        if (mountinfo != null) {
            Files.writeString(m, mountinfo);
        }
        return new BootedSlotDetector(c, m);
    }

    private static final String ROOT_ON_VDA = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n";

    @Test
    void theKernelCommandLineNamesTheBootedSlotByBootname() throws IOException {
        BootedSlot b = detector("console=ttyS0 root=/dev/mmcblk0p3 tandem.slot=B quiet", ROOT_ON_VDA)
                .detect(slots, null, null);

        assertThat(b.slot().name()).isEqualTo("rootfs.1");
        assertThat(b.evidence()).isEqualTo("kernel command line tandem.slot=B");
    }

    @Test
    void raucsParameterIsUnderstoodToo() throws IOException {
        assertThat(detector("rauc.slot=A", null).detect(slots, null, null).slot().name()).isEqualTo("rootfs.0");
    }

    @Test
    void parametersAfterTheDoubleDashBelongToInitAndAreIgnored() throws IOException {
        assertThatThrownBy(() -> detector("quiet -- tandem.slot=B", ROOT_ON_VDA).detect(slots, null, null))
                .satisfies(reason(ConfigException.Reason.BOOTED_SLOT_UNKNOWN));
    }

    @Test
    void anUnknownBootnameOnTheCommandLineIsRefused() throws IOException {
        assertThatThrownBy(() -> detector("tandem.slot=C", null).detect(slots, null, null))
                .satisfies(reason(ConfigException.Reason.UNKNOWN_SLOT)).hasMessageContaining("tandem.slot=C");
    }

    @Test
    void theOverrideWinsAndTakesASlotNameOrABootname() throws IOException {
        BootedSlotDetector d = detector("tandem.slot=A", ROOT_ON_VDA);

        assertThat(d.detect(slots, "rootfs.1", null).slot().name()).isEqualTo("rootfs.1");
        assertThat(d.detect(slots, "B", null).evidence()).isEqualTo("--booted");
        assertThat(d.detect(slots, "appfs.1", null).slot().name()).as("a child boots with its parent")
                .isEqualTo("rootfs.1");
        assertThatThrownBy(() -> d.detect(slots, "rootfs.7", null))
                .satisfies(reason(ConfigException.Reason.UNKNOWN_SLOT)).hasMessageContaining("--booted rootfs.7");
    }

    @Test
    void theFileBootloaderTellsWhatItBootedWhenNothingElseDoes() throws IOException {
        FileAdapter adapter = new FileAdapter(DurableFile.at(dir.resolve("env.json")), List.of("A", "B"), 1);
        adapter.setTryOnce("B");
        adapter.simulateBoot();

        BootedSlot b = detector("quiet", ROOT_ON_VDA).detect(slots, null, adapter);

        assertThat(b.slot().name()).isEqualTo("rootfs.1");
        assertThat(b.evidence()).isEqualTo("file bootloader");
    }

    @Test
    void anUndeterminableBootedSlotIsRefusedWithAHint() throws IOException {
        assertThatThrownBy(() -> detector("quiet", ROOT_ON_VDA).detect(slots, null, null))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cannot tell which slot is booted")
                .hasMessageContaining("/ is not on a slot but on 254:0")
                .hasMessageEndingWith("pass --booted SLOT");
    }

    @Test
    void theDeviceOfRootIsMatchedByMajorMinorOnALoopDevice() throws Exception {
        try (LoopDevice loop = GptImage.attach(dir, false)) {
            Path p1 = Path.of(loop.device + "p1");
            Path p2 = Path.of(loop.device + "p2");
            DeviceNumber rootDev = DeviceNumber.ofBlockDevice(p2).orElseThrow();
            List<Slot> real = List.of(new Slot("rootfs.0", "rootfs", "A", p1, null),
                    new Slot("rootfs.1", "rootfs", "B", p2, null));
            String mountinfo = "1 0 0:1 / / rw - rootfs rootfs rw\n"
                    + "22 1 " + rootDev + " / / ro,relatime shared:1 - ext4 /dev/root ro\n"
                    + "23 22 0:5 / /dev rw - devtmpfs devtmpfs rw\n";

            BootedSlot b = detector("console=ttyS0", mountinfo).detect(real, null, null);

            assertThat(b.slot().name()).isEqualTo("rootfs.1");
            assertThat(b.evidence()).isEqualTo("device of / (" + rootDev + ")");
        }
    }
}
