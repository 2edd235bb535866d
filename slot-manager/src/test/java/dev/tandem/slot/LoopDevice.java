package dev.tandem.slot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import dev.tandem.testsupport.HostCapabilities;
import org.junit.jupiter.api.Assumptions;

/**
 * A GPT disk image and, for root, a loop device over it with its partitions (partx: without udev,
 * {@code losetup -P} alone does not always make the kernel scan the table).
 */
public final class LoopDevice implements AutoCloseable {

    public static final String PARTUUID_A = "11111111-2222-3333-4444-555555555555";
    public static final String PARTUUID_B = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    public final Path device;

    private LoopDevice(Path device) {
        this.device = device;
    }

    /** A 40 MiB GPT image: rootfs-a, rootfs-b (both 16 MiB) with fixed PARTUUIDs, then data labelled rootfs-b too. */
    public static Path gptImage(Path dir, boolean duplicateLabel) throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("sfdisk"), "sfdisk (util-linux fdisk) is not installed");
        Path image = dir.resolve("disk.img");
        try (var ch = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(1), 40L * 1024 * 1024 - 1);
        }
        run(List.of("sfdisk", "-q", image.toString()), "label: gpt\n"
                + "size=16MiB, name=\"rootfs-a\", uuid=" + PARTUUID_A + "\n"
                + "size=16MiB, name=\"rootfs-b\", uuid=" + PARTUUID_B + "\n"
                + "name=\"" + (duplicateLabel ? "rootfs-b" : "data") + "\"\n");
        return image;
    }

    /** Attaches {@code image} to a loop device with partitions; skips unless loop devices can be made and losetup and partx are installed. */
    public static LoopDevice attach(Path image) throws IOException, InterruptedException {
        String noLoop = HostCapabilities.whyNoLoopDevices();
        Assumptions.assumeTrue(noLoop == null, noLoop);
        Assumptions.assumeTrue(onPath("losetup") && onPath("partx"), "losetup/partx (util-linux) not installed");
        String dev = run(List.of("losetup", "-f", "--show", "-P", image.toString()), "").trim();
        LoopDevice loop = new LoopDevice(Path.of(dev));
        // Adds the partitions the kernel did not scan yet; fails harmlessly when it already did.
        new ProcessBuilder("partx", "-a", dev).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        return loop;
    }

    public String name() {
        return device.getFileName().toString();
    }

    @Override
    public void close() throws IOException {
        try {
            run(List.of("losetup", "-d", device.toString()), "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted detaching " + device, e);
        }
    }

    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    public static String run(List<String> argv, String input) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + err.strip());
        }
        return out;
    }
}
