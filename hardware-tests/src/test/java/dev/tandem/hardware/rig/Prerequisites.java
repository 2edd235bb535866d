package dev.tandem.hardware.rig;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.testsupport.HostCapabilities;
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

    /** Skips unless this process can make loop devices (tried, not guessed from the user's name). */
    public static void assumeRoot() {
        String noLoop = HostCapabilities.whyNoLoopDevices();
        assumeTrue(noLoop == null, noLoop);
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
