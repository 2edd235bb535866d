package dev.tandem.slot.state;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Tells whether a hardware watchdog is running. Without one, a slot on trial that hangs (rather than panics)
 * never falls back (ARCHITECTURE.md §6), so {@code status} warns.
 */
final class WatchdogProbe {

    static final Path SYS_CLASS_WATCHDOG = Path.of("/sys/class/watchdog");

    private WatchdogProbe() {
    }

    /** A warning, or empty when a watchdog is active. */
    static Optional<String> warning(Path sysClassWatchdog) {
        List<String> inactive = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        if (Files.isDirectory(sysClassWatchdog)) {
            try (DirectoryStream<Path> dogs = Files.newDirectoryStream(sysClassWatchdog, "watchdog*")) {
                for (Path dog : dogs) {
                    Path state = dog.resolve("state");
                    if (!Files.isRegularFile(state)) {
                        unknown.add(dog.getFileName().toString());
                    } else if (Files.readString(state).trim().equals("active")) {
                        return Optional.empty();
                    } else {
                        inactive.add(dog.getFileName().toString());
                    }
                }
            } catch (IOException e) {
                return Optional.of("cannot tell whether a hardware watchdog runs (" + e.getMessage() + ")");
            }
        }
        String consequence = ": a slot on trial that hangs will not fall back";
        if (!unknown.isEmpty()) {
            return Optional.of("cannot tell whether hardware watchdog " + String.join(", ", unknown)
                    + " runs (no sysfs state)" + consequence);
        }
        if (!inactive.isEmpty()) {
            return Optional.of("hardware watchdog " + String.join(", ", inactive)
                    + " is not running (set RuntimeWatchdogSec in systemd)" + consequence);
        }
        return Optional.of("no hardware watchdog running (no /dev/watchdog)" + consequence);
    }
}
