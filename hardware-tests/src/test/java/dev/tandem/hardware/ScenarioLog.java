package dev.tandem.hardware;

import dev.tandem.hardware.rig.BootRecord;
import dev.tandem.hardware.rig.RigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * A scenario's record under {@code target/hardware-tests/<platform>/<scenario>/}: {@code scenario.log} tells
 * each step and what tandem printed, {@code boots.tsv} has one line per boot (wall time, how it ended, what the
 * console showed) next to the {@code bootN.log} serial consoles. Every scenario also adds a line to
 * {@code target/hardware-tests/SUMMARY.tsv}.
 */
final class ScenarioLog {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    private static final Object SUMMARY_LOCK = new Object();

    private final Path dir;
    private final Path log;
    private final Path boots;

    ScenarioLog(Path dir) {
        this.dir = dir;
        this.log = dir.resolve("scenario.log");
        this.boots = dir.resolve("boots.tsv");
        append(boots, "boot\tlabel\tseconds\tending\tslot\tcontent\thealth\n");
    }

    /** Where all hardware-test output goes. */
    static Path root() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target/hardware-tests");
    }

    Path dir() {
        return dir;
    }

    /** One step of the scenario. */
    void step(String text) {
        append(log, LocalTime.now().format(TIME) + "  " + text + "\n");
    }

    /** A block of output (tandem's, a tool's), indented under the last step. */
    void output(String title, String text) {
        if (text == null || text.isBlank()) {
            return;
        }
        StringBuilder b = new StringBuilder("              ").append(title).append(":\n");
        for (String line : text.strip().split("\n")) {
            b.append("                | ").append(line).append('\n');
        }
        append(log, b.toString());
    }

    void boot(BootRecord r) {
        step(r.name() + ": " + r.ending().name().toLowerCase() + " after " + r.seconds() + "; "
                + r.console().summary());
        for (String l : r.console().bootloaderLines()) {
            append(log, "                bootloader | " + l + "\n");
        }
        append(boots, r.number() + "\t" + r.label() + "\t" + String.format("%.2f", r.wall().toMillis() / 1000.0)
                + "\t" + r.ending().name().toLowerCase() + "\t" + r.console().cmdlineSlot().orElse("-") + "\t"
                + r.console().version().orElse("-") + "\t" + r.console().health().orElse("-") + "\n");
    }

    /** The scenario's one line in SUMMARY.tsv. */
    void summary(String platform, String scenario, String result, int bootCount, Duration bootTime,
                 Duration total) {
        String line = String.format("%s\t%s\t%s\t%d\t%.1f\t%.1f\t%s%n", platform, scenario, result, bootCount,
                bootTime.toMillis() / 1000.0, total.toMillis() / 1000.0, root().relativize(dir));
        synchronized (SUMMARY_LOCK) {
            Path summary = root().resolve("SUMMARY.tsv");
            if (!Files.exists(summary)) {
                append(summary, "platform\tscenario\tresult\tboots\tboot_seconds\ttotal_seconds\tdir\n");
            }
            append(summary, line);
        }
        step("scenario " + result + ": " + bootCount + " boots, " + String.format("%.1f", bootTime.toMillis()
                / 1000.0) + " s in QEMU, " + String.format("%.1f", total.toMillis() / 1000.0) + " s in all");
    }

    private static void append(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new RigException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
