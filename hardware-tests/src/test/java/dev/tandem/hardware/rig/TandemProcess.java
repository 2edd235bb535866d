package dev.tandem.hardware.rig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * tandem in its own JVM, started like the {@code ./tandem} launcher (same JVM flags, {@code dev.tandem.cli.Main},
 * this test JVM's class path): for what an in-process call cannot show, namely a process that is killed
 * part-way, a heap limit, and the device's own view of the kernel. The last is {@link #asGuest}: the command runs
 * in a private mount namespace where {@code /proc/cmdline} and {@code /proc/sys/kernel/random/boot_id} are the
 * guest's, as its console printed them, so booted-slot detection and boot ids work exactly as on the device.
 */
public final class TandemProcess {

    /** The launcher's JVM flags (see ./tandem). */
    static final List<String> LAUNCHER_FLAGS = List.of("-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xss1m");

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private TandemProcess() {
    }

    /** The command line of a tandem JVM with extra JVM options. */
    public static List<String> command(List<String> jvmOptions, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(LAUNCHER_FLAGS);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.tandem.cli.Main");
        cmd.addAll(args);
        return cmd;
    }

    /** Runs {@code tandem args} to its end. */
    public static HostCommand.Result run(List<String> jvmOptions, String... args) {
        return HostCommand.of(command(jvmOptions, List.of(args))).timeout(TIMEOUT).run();
    }

    /**
     * Runs {@code tandem args} as the guest would: its kernel command line and boot id bind-mounted over the
     * host's in a private mount namespace (files written into {@code dir}). The namespace first drops its copies
     * of the rig's other mounts under {@code rigMounts} (other scenarios' boot partitions), keeping only
     * {@code keep}: a copy would keep such a file system alive after its scenario unmounted it.
     */
    public static HostCommand.Result asGuest(Path dir, String guestCmdline, String guestBootId, Path rigMounts,
                                             Path keep, String... args) {
        Path cmdline = dir.resolve("guest-cmdline");
        Path bootId = dir.resolve("guest-boot-id");
        try {
            Files.writeString(cmdline, guestCmdline + "\n", StandardCharsets.US_ASCII);
            Files.writeString(bootId, guestBootId + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new RigException("guest view files in " + dir + ": " + e.getMessage(), e);
        }
        String script = """
                mount --bind "$1" /proc/cmdline && mount --bind "$2" /proc/sys/kernel/random/boot_id || exit 99
                rig=$3; keep=$4; shift 4
                for m in $(awk '{print $5}' /proc/self/mountinfo); do
                  case "$m" in "$rig"/*) [ "$m" = "$keep" ] || umount -l "$m" ;; esac
                done
                exec "$@"
                """;
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--",
                "sh", "-c", script, "sh", cmdline.toString(), bootId.toString(), rigMounts.toString(),
                keep == null ? "" : keep.toString()));
        cmd.addAll(command(List.of(), List.of(args)));
        return HostCommand.of(cmd).timeout(TIMEOUT).run();
    }
}
