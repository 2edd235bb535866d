package dev.tandem.hardware.rig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A loop device over a file, or over a byte range of it ({@code losetup -o/--sizelimit}): how the rig turns a
 * partition of a disk image into a block device, because {@code losetup -P} creates no partition nodes on this
 * host (no udev). Detached on close.
 */
public final class LoopDevice implements AutoCloseable {

    private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(60);

    private final Path device;
    private final String what;

    private LoopDevice(Path device, String what) {
        this.device = device;
        this.what = what;
    }

    /** The whole file. */
    public static LoopDevice attach(Path file) {
        return attach(file, 0, 0);
    }

    /** {@code size} bytes of {@code file} from {@code offset}; size 0 means to the end. */
    public static LoopDevice attach(Path file, long offset, long size) {
        String dev = size > 0
                ? HostCommand.of("losetup", "-f", "--show", "-o", Long.toString(offset), "--sizelimit",
                Long.toString(size), file.toString()).ok().strip()
                : HostCommand.of("losetup", "-f", "--show", "-o", Long.toString(offset), file.toString()).ok().strip();
        LoopDevice loop = new LoopDevice(Path.of(dev), file.getFileName() + "@" + offset);
        // A reused loop number may still cache blocks of its previous file: start from the backing file.
        HostCommand.of("blockdev", "--flushbufs", dev).ok();
        return loop;
    }

    /** The device node, e.g. /dev/loop3. */
    public Path device() {
        return device;
    }

    /**
     * Detaches, and waits until the kernel has let go: a device still open elsewhere (a file system kept mounted
     * by another mount namespace) is only marked for detaching, and could still write into the image.
     */
    @Override
    public void close() {
        HostCommand.Result r = HostCommand.of("losetup", "-d", device.toString()).run();
        if (r.exitCode() != 0) {
            throw new RigException("losetup -d " + device + " (" + what + "): " + r.lastErrorLine());
        }
        Path backing = Path.of("/sys/block", device.getFileName().toString(), "loop", "backing_file");
        long deadline = System.nanoTime() + RELEASE_TIMEOUT.toNanos();
        while (Files.exists(backing)) {
            if (System.nanoTime() > deadline) {
                throw new RigException(device + " (" + what + ") is still in use " + RELEASE_TIMEOUT.toSeconds()
                        + " s after losetup -d: another mount namespace holds a file system on it");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RigException("interrupted waiting for " + device + " to be released", e);
            }
        }
    }

    @Override
    public String toString() {
        return device + " (" + what + ")";
    }
}
