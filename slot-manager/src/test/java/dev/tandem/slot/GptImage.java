package dev.tandem.slot;

import dev.tandem.testsupport.LoopDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** A 40 MiB GPT disk image made with sfdisk, and for root a loop device over it with its partitions. */
public final class GptImage {

    static final String PARTUUID_A = "11111111-2222-3333-4444-555555555555";
    static final String PARTUUID_B = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    private GptImage() {
    }

    /** rootfs-a, rootfs-b (both 16 MiB) with fixed PARTUUIDs, then data (labelled rootfs-b too when asked). */
    static Path create(Path dir, boolean duplicateLabel) throws IOException {
        Assumptions.assumeTrue(LoopDevice.onPath("sfdisk"), "sfdisk (util-linux fdisk) is not installed");
        Path image = dir.resolve("disk.img");
        try (var ch = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(1), 40L * 1024 * 1024 - 1);
        }
        Path script = Files.writeString(dir.resolve("disk.sfdisk"), "label: gpt\n"
                + "size=16MiB, name=\"rootfs-a\", uuid=" + PARTUUID_A + "\n"
                + "size=16MiB, name=\"rootfs-b\", uuid=" + PARTUUID_B + "\n"
                + "name=\"" + (duplicateLabel ? "rootfs-b" : "data") + "\"\n");
        LoopDevice.run("sh", "-c", "sfdisk -q \"$1\" < \"$2\"", "sh", image.toString(), script.toString());
        return image;
    }

    /** {@link #create}, attached to a loop device with partition nodes; skips unless loop devices can be made. */
    public static LoopDevice attach(Path dir, boolean duplicateLabel) throws IOException {
        Assumptions.assumeTrue(LoopDevice.available(), LoopDevice.why());
        return LoopDevice.attachPartitioned(create(dir, duplicateLabel));
    }
}
