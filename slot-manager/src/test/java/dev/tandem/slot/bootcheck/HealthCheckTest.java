package dev.tandem.slot.bootcheck;

import dev.tandem.slot.config.HealthConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthCheckTest {

    @TempDir
    Path dir;

    private HealthCheck check(List<String> commands, List<String> units, Duration minUptime, Duration timeout,
                              String uptime) throws IOException {
        Path up = Files.writeString(dir.resolve("uptime"), uptime + " 12.00\n");
        // systemctl cannot answer on a machine without systemd as PID 1; this stand-in answers like it does.
        Path systemctl = dir.resolve("systemctl");
        Files.writeString(systemctl, "#!/bin/sh\n[ \"$1\" = is-active ] || exit 2\n"
                + "case \"$2\" in app.service) echo active; exit 0;; *) echo failed; exit 3;; esac\n");
        Files.setPosixFilePermissions(systemctl, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new HealthCheck(new HealthConfig(commands, units, minUptime, timeout, false), up, systemctl.toString());
    }

    @Test
    void noChecksMeansHealthy() throws IOException {
        assertThat(check(List.of(), List.of(), Duration.ZERO, Duration.ofSeconds(1), "100").run().healthy()).isTrue();
    }

    @Test
    void aCommandThatExitsZeroIsHealthy() throws IOException {
        assertThat(check(List.of("true", "test -d /"), List.of(), Duration.ZERO, Duration.ofSeconds(5), "100").run()
                .healthy()).isTrue();
    }

    @Test
    void everyFailingCommandIsReportedWithItsLastOutputLine() throws IOException {
        HealthResult r = check(List.of("false", "true", "echo starting; echo db down >&2; exit 4"), List.of(),
                Duration.ZERO, Duration.ofSeconds(5), "100").run();

        assertThat(r.healthy()).isFalse();
        assertThat(r.failures()).containsExactly("health command 'false' exited 1",
                "health command 'echo starting; echo db down >&2; exit 4' exited 4: db down");
    }

    @Test
    void aCommandThatOverrunsItsTimeoutIsKilledAndFails() throws IOException {
        long start = System.nanoTime();

        HealthResult r = check(List.of("sleep 60"), List.of(), Duration.ZERO, Duration.ofSeconds(1), "100").run();

        // Killed at its 1 s timeout, not waited for: about 1 s here, 60 s if it were waited for; the upper bound
        // leaves a loaded machine room (it was 4 s against a 5 s sleep).
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(900L, 30_000L);
        assertThat(r.failures()).containsExactly("health command 'sleep 60' timed out after 1 s");
    }

    @Test
    void unitsMustBeActive() throws IOException {
        HealthResult r = check(List.of(), List.of("app.service", "db.service"), Duration.ZERO, Duration.ofSeconds(5),
                "100").run();

        assertThat(r.failures()).containsExactly("unit db.service is failed");
    }

    @Test
    void itWaitsUntilTheMinimumUptimeIsReached() throws IOException {
        long start = System.nanoTime();

        check(List.of("true"), List.of(), Duration.ofMillis(1500), Duration.ofSeconds(5), "1.00").run();

        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(450L);
    }

    @Test
    void itDoesNotWaitWhenTheSystemHasBeenUpLongEnough() throws IOException {
        long start = System.nanoTime();

        check(List.of(), List.of(), Duration.ofSeconds(60), Duration.ofSeconds(5), "3600.5").run();

        // A few milliseconds here; waiting for the minimum uptime would take 60 s.
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(30_000L);
    }
}
