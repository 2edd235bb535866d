package dev.tandem.hardware.rig;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a hardware test needs from the host, checked up front so that a missing piece skips the test with the
 * reason (and the fix: {@code .ci/setup.d/40-qemu.sh}) instead of failing it.
 */
public final class Prerequisites {

    private static final String SETUP = "run .ci/setup.d/40-qemu.sh (as root)";

    private Prerequisites() {
    }

    /** Root: loop devices, mounts, O_EXCL opens of block devices. */
    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Skips unless running as root. */
    public static void assumeRoot() {
        assumeTrue(isRoot(), "needs root (loop devices, mounts); running as " + System.getProperty("user.name"));
        assumeTrue(Files.exists(Path.of("/dev/loop-control")), "needs loop devices (/dev/loop-control is missing)");
    }

    /** Skips unless every tool is on the PATH. */
    public static void assumeTools(String... tools) {
        List<String> missing = new ArrayList<>();
        for (String t : tools) {
            if (!HostCommand.installed(t)) {
                missing.add(t);
            }
        }
        assumeTrue(missing.isEmpty(), "missing host tools " + missing + ": " + SETUP);
    }

    /** Skips unless each file exists. */
    public static void assumeFiles(Path... files) {
        List<String> missing = new ArrayList<>();
        for (Path f : files) {
            if (!Files.exists(f)) {
                missing.add(f.toString());
            }
        }
        assumeTrue(missing.isEmpty(), "missing " + missing + ": " + SETUP);
    }

    /** Skips unless the guest kernel and busybox of {@code arch} were fetched. */
    public static void assumeGuest(GuestArch arch) {
        assumeTrue(arch.kernel().isPresent(), "no " + arch + " guest kernel under " + GuestArch.cache()
                + ": " + SETUP);
        assumeTrue(arch.busybox().isPresent(), "no " + arch + " static busybox: " + SETUP);
        assumeTools(arch.qemu());
    }
}
