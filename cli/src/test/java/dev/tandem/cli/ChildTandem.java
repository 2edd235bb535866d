package dev.tandem.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code tandem} in a child JVM with this test's class path, started as the launcher starts it (SerialGC, no perf
 * data), for tests that kill it or measure its memory. Output goes to files, so a full pipe never blocks it.
 */
final class ChildTandem {

    private ChildTandem() {
    }

    /** Starts {@code tandem args...} with extra JVM options; stdout and stderr are appended to {@code log}. */
    static Process start(List<String> jvmOptions, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:-UsePerfData");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Files.createDirectories(log.toAbsolutePath().getParent());
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** The launcher's JVM options file in the source tree (the tests run in the cli module's directory). */
    static final Path SHIPPED_OPTIONS = Path.of("..", "dist", "src", "main", "tree", "lib", "tandem.jvm");

    /**
     * Starts {@code tandem args...} as the launcher would: the shipped JVM options of {@link #SHIPPED_OPTIONS}
     * and its {@code MALLOC_ARENA_MAX=2}, then {@code machineOptions} (what the device is, e.g. its processor
     * count), and nothing else. Only the class-data archive is left out (it belongs to the packaged jar, not to
     * this class path).
     */
    static Process startShipped(List<String> machineOptions, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(shippedOptions());
        cmd.addAll(machineOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        return pb.start();
    }

    /**
     * The options of tandem.jvm as the launcher reads them for {@code install}: {@code #} starts a comment, words
     * split on blanks, and a line starting {@code NAME,NAME:} counts only when it names install.
     */
    static List<String> shippedOptions() throws IOException {
        List<String> options = new ArrayList<>();
        for (String line : Files.readAllLines(SHIPPED_OPTIONS)) {
            int hash = line.indexOf('#');
            List<String> words = new ArrayList<>(List.of((hash >= 0 ? line.substring(0, hash) : line).trim()
                    .split("\\s+")));
            if (words.get(0).endsWith(":")) {
                String commands = words.remove(0);
                if (!List.of(commands.substring(0, commands.length() - 1).split(",")).contains("install")) {
                    continue;
                }
            }
            words.stream().filter(w -> !w.isEmpty()).forEach(options::add);
        }
        return options;
    }

    /** Surefire runs tests from a manifest-only jar; it hands the real class path over in this property. */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /** A value in kB from /proc/PID/status ({@code VmHWM}, {@code VmRSS}), while the process lives. */
    static Optional<Long> procStatusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(field + ":")) {
                    return Optional.of(Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim()));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The process is gone.
        }
        return Optional.empty();
    }

    /** Kills a child that a failed test left running (SIGKILL), and waits for it. */
    static void kill(Process p) {
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

}
