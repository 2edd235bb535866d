package dev.tandem.testsupport;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What this host lets the tests do, found by trying it rather than by the user's name: a container's root may
 * lack the capability, and a non-root user may have been given the device.
 */
public final class HostCapabilities {

    static final Path LOOP_CONTROL = Path.of("/dev/loop-control");

    private HostCapabilities() {
    }

    /** Why this process cannot make loop devices (opening /dev/loop-control read-write fails), or null if it can. */
    public static String whyNoLoopDevices() {
        return whyNotReadWrite(LOOP_CONTROL, "loop devices");
    }

    static String whyNotReadWrite(Path device, String what) {
        try (FileChannel ignored = FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return null;
        } catch (IOException | SecurityException e) {
            return what + " need " + device + " open for reading and writing (root, or a container with the "
                    + "device): " + e;
        }
    }
}
