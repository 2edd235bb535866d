package dev.tandem.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A loop device over a file, made with {@code losetup} and detached again on {@link #close}: only the device this
 * object attached, never another. {@link #why()} says why loop devices cannot be used here, for
 * {@code assumeTrue(LoopDevice.available(), LoopDevice.why())}.
 */
public final class LoopDevice implements AutoCloseable {

    public final Path device;
    public final Path backing;

    private LoopDevice(Path device, Path backing) {
        this.device = device;
        this.backing = backing;
    }

    /** Whether this process may make loop devices: {@code losetup} and {@code partx}, /dev/loop-control read-write. */
    public static boolean available() {
        return why() == null;
    }

    /** Why loop devices cannot be used, or null when they can. */
    public static String why() {
        if (!onPath("losetup") || !onPath("partx")) {
            return "losetup/partx are not installed (apt-get install util-linux)";
        }
        return HostCapabilities.whyNoLoopDevices();
    }

    /** Attaches a free loop device to {@code file}. */
    public static LoopDevice attach(Path file) throws IOException {
        return new LoopDevice(losetup("--find", "--show", file.toAbsolutePath().toString()), file);
    }

    /**
     * Attaches a free loop device to a partitioned disk image, with a device node per partition ({@code /dev/loop3p1}
     * ...): {@code partx} adds what the kernel did not scan, since without udev {@code losetup -P} alone does not
     * always make it.
     */
    public static LoopDevice attachPartitioned(Path image) throws IOException {
        LoopDevice loop = new LoopDevice(losetup("--find", "--show", "-P", image.toAbsolutePath().toString()), image);
        try {
            // Fails harmlessly when the kernel scanned the table already.
            Process p = new ProcessBuilder("partx", "-a", loop.device.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            loop.close();
            throw new IOException("partx -a " + loop.device + ": " + e, e);
        }
        return loop;
    }

    private static Path losetup(String... args) throws IOException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "losetup";
        System.arraycopy(args, 0, cmd, 1, args.length);
        String dev = run(cmd).trim();
        if (!dev.startsWith("/dev/loop")) {
            throw new IOException("losetup printed '" + dev + "'");
        }
        return Path.of(dev);
    }

    /** The device's name: {@code loop3}. */
    public String name() {
        return device.getFileName().toString();
    }

    /** Whether {@code tool} is an executable in the PATH or the sbin directories (root's tools). */
    public static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command (mkfs, mount, losetup ...) with no input, returns its output; fails on a non-zero exit. */
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
