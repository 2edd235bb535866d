package dev.tandem.hardware;

import dev.tandem.hardware.rig.HostCommand;
import dev.tandem.hardware.rig.RigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Clears what an earlier, interrupted run left in a scenario directory before it is reused: mounts under it are
 * unmounted and loop devices backed by files in it are detached (only those: they are this rig's own), so that
 * deleting the directory never reaches into a mounted file system.
 */
final class StaleState {

    private StaleState() {
    }

    static void clear(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (!abs.startsWith(ScenarioLog.root())) {
            throw new RigException("refusing to clear " + abs + ": not under " + ScenarioLog.root());
        }
        if (!Files.exists(abs)) {
            return;
        }
        for (String point : mountsUnder(abs)) {
            HostCommand.of("umount", point).ok();
        }
        String loops = HostCommand.of("losetup", "-l", "-n", "--raw", "-O", "NAME,BACK-FILE").ok();
        for (String line : loops.split("\n")) {
            String[] f = line.strip().split("\\s+", 2);
            if (f.length == 2 && Path.of(f[1]).startsWith(abs)) {
                HostCommand.of("losetup", "-d", f[0]).ok();
            }
        }
        try (var walk = Files.walk(abs)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Mount points under {@code dir}, deepest first (from /proc/self/mountinfo, octal escapes decoded). */
    private static List<String> mountsUnder(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4) {
                String point = decode(f[4]);
                if (Path.of(point).startsWith(dir)) {
                    out.add(point);
                }
            }
        }
        out.sort(Comparator.comparingInt(String::length).reversed());
        return out;
    }

    private static String decode(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
