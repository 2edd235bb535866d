package dev.tandem.install;

import dev.tandem.testsupport.HostCapabilities;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A loop device over a file, made with {@code losetup} and detached again on {@link #close}: only the
 * device this object attached, never another. {@link #why()} says why loop devices cannot be used here, for
 * {@code assumeTrue(LoopDevice.available(), LoopDevice.why())}.
 */
public final class LoopDevice implements AutoCloseable {

    public final Path device;
    public final Path backing;

    private LoopDevice(Path device, Path backing) {
        this.device = device;
        this.backing = backing;
    }

    /** Whether this process may make loop devices: {@code losetup}, {@code /dev/loop-control} opens read-write. */
    public static boolean available() {
        return why() == null;
    }

    /** Why loop devices cannot be used, or null when they can. */
    public static String why() {
        if (!Files.isExecutable(Path.of("/usr/sbin/losetup")) && !Files.isExecutable(Path.of("/sbin/losetup"))) {
            return "losetup is not installed (apt-get install util-linux)";
        }
        return HostCapabilities.whyNoLoopDevices();
    }

    /** Attaches a free loop device to {@code file}. */
    public static LoopDevice attach(Path file) throws IOException {
        String dev = run("losetup", "--find", "--show", file.toAbsolutePath().toString()).trim();
        if (!dev.startsWith("/dev/loop")) {
            throw new IOException("losetup printed '" + dev + "'");
        }
        return new LoopDevice(Path.of(dev), file);
    }

    /** Runs a command, returns its output; fails on a non-zero exit. */
    public static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out.trim());
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        run("losetup", "--detach", device.toString());
    }

    @Override
    public String toString() {
        return device + " (" + backing + ")";
    }
}
