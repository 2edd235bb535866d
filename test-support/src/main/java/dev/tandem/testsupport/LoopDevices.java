package dev.tandem.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The loop devices, and the one file system mounted on them, that a test made. As a JUnit extension
 * ({@code @RegisterExtension final LoopDevices loops = new LoopDevices();}) it skips each test, saying why, unless
 * loop devices can be made here, and after each test unmounts and detaches what the test made, whatever it did,
 * and only that.
 */
public final class LoopDevices implements AutoCloseable, BeforeEachCallback, AfterEachCallback {

    private final List<LoopDevice> loops = new ArrayList<>();
    private Path mountPoint;

    /** Skips the test, saying why, unless loop devices can be made here. */
    public static void assumeAvailable() {
        Assumptions.assumeTrue(LoopDevice.available(), LoopDevice.why());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        assumeAvailable();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        close();
    }

    /** Attaches a loop device to {@code file}; returns the device node. */
    public Path attach(Path file) throws IOException {
        LoopDevice l = LoopDevice.attach(file);
        loops.add(l);
        return l.device;
    }

    /** Attaches a loop device to a partitioned disk image, with a node per partition ({@code /dev/loop3p1} ...). */
    public Path attachPartitioned(Path image) throws IOException {
        LoopDevice l = LoopDevice.attachPartitioned(image);
        loops.add(l);
        return l.device;
    }

    /** The device node of the {@code n}th device attached (from 0). */
    public Path device(int n) {
        return loops.get(n).device;
    }

    /** Makes an ext4 file system on {@code device} and mounts it at {@code mountPoint}. */
    public void mountExt4(Path device, Path mountPoint) throws IOException {
        LoopDevice.run("mkfs.ext4", "-q", "-F", device.toString());
        LoopDevice.run("mount", device.toString(), mountPoint.toString());
        this.mountPoint = mountPoint;
    }

    @Override
    public void close() throws IOException {
        if (mountPoint != null) {
            LoopDevice.run("umount", mountPoint.toString());
            mountPoint = null;
        }
        for (LoopDevice l : loops) {
            l.close();
        }
        loops.clear();
    }
}
