package dev.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tandem.slot.config.DownloadConfig;
import dev.tandem.slot.config.DownloadWindow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DownloadPolicy}'s answers: the pause flag, the windows, the metered check and its bounds. */
class DownloadPolicyTest {

    private static final List<String> NO_NETWORK_MANAGER = List.of("/nonexistent/busctl");
    private static final ZoneId ZONE = ZoneOffset.ofHours(1);

    @TempDir
    Path dir;

    private DownloadPolicy policy(DownloadConfig cfg, String localTime) {
        Instant now = java.time.LocalDateTime.parse("2026-12-07T" + localTime).atZone(ZONE).toInstant();
        return new DownloadPolicy(cfg, dir, NO_NETWORK_MANAGER, Clock.fixed(now, ZoneOffset.UTC), ZONE,
                Duration.ZERO);
    }

    private Path script(String body) throws IOException {
        Path p = dir.resolve("check-" + Math.abs(body.hashCode()));
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void theWindowsSayWhenAndUntilWhen() {
        DownloadConfig cfg = new DownloadConfig(true, List.of(), List.of(DownloadWindow.parse("01:00-05:00"),
                DownloadWindow.parse("22:30-00:30")));
        assertThat(policy(cfg, "02:00:00").check().allowed()).isTrue();
        assertThat(policy(cfg, "23:59:00").check().allowed()).isTrue();
        assertThat(policy(cfg, "00:15:00").check().allowed()).isTrue();
        DownloadPolicy.Verdict noon = policy(cfg, "12:00:00").check();
        assertThat(noon.allowed()).isFalse();
        assertThat(noon.reason()).contains("outside the download windows [01:00-05:00, 22:30-00:30]");
        assertThat(noon.until()).isEqualTo(java.time.LocalDateTime.parse("2026-12-07T22:30").atZone(ZONE).toInstant());
        assertThat(policy(cfg, "05:00:00").check().until())
                .isEqualTo(java.time.LocalDateTime.parse("2026-12-07T22:30").atZone(ZONE).toInstant());
        assertThat(policy(cfg, "00:30:00").check().until())
                .isEqualTo(java.time.LocalDateTime.parse("2026-12-07T01:00").atZone(ZONE).toInstant());
    }

    @Test
    void aPauseHoldsUntilResume() throws IOException {
        DownloadPolicy p = policy(DownloadConfig.defaults(), "12:00:00");
        assertThat(p.check().allowed()).isTrue();
        assertThat(DownloadPolicy.pause(dir, Instant.parse("2026-12-07T11:00:00Z"))).isTrue();
        assertThat(DownloadPolicy.pause(dir, Instant.now())).isFalse();
        DownloadPolicy.Verdict v = p.check();
        assertThat(v.allowed()).isFalse();
        assertThat(v.reason()).contains("paused by `tandem agent pause` since 2026-12-07T11:00:00Z");
        assertThat(v.until()).isNull();
        assertThat(DownloadPolicy.resume(dir)).isTrue();
        assertThat(DownloadPolicy.resume(dir)).isFalse();
        assertThat(p.check().allowed()).isTrue();
    }

    @Test
    void theCheckCommandSaysMeteredOrNot() throws IOException {
        assertThat(policy(new DownloadConfig(false, List.of(script("exit 0").toString()), List.of()), "12:00:00")
                .check().reason()).isEqualTo("metered-check says the link is metered");
        assertThat(policy(new DownloadConfig(false, List.of(script("exit 1").toString()), List.of()), "12:00:00")
                .check().allowed()).isTrue();
        assertThat(policy(new DownloadConfig(true, List.of(script("exit 0").toString()), List.of()), "12:00:00")
                .check().allowed()).as("allow-metered").isTrue();
    }

    @Test
    void aCheckThatFailsOrHangsMeansNoDownload() throws IOException {
        DownloadPolicy.Verdict broken = policy(new DownloadConfig(false,
                List.of(script("echo no such tool >&2; exit 127").toString()), List.of()), "12:00:00").check();
        assertThat(broken.allowed()).isFalse();
        assertThat(broken.reason()).isEqualTo("metered-check exited 127: no such tool; no download until it answers"
                + " (exit 0 metered, 1 not metered)");
        // Floods its output, then hangs with a child holding the pipe: killed after the timeout, output bounded.
        Path hang = script("yes metered | head -c 10000000; sleep 600 & sleep 600");
        DownloadPolicy.Verdict hung = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> policy(new DownloadConfig(false, List.of(hang.toString()), List.of()), "12:00:00").check());
        assertThat(hung.allowed()).isFalse();
        assertThat(hung.reason()).startsWith("metered-check timed out after " + DownloadPolicy.CHECK_TIMEOUT_SECONDS
                + " s");
    }

    @Test
    void anOutOfRangeNetworkManagerAnswerFallsBackToTheCheckCommand() throws IOException {
        // busctl's answer is outside input: a number beyond int must not throw out of the policy.
        Path nm = script("echo 'u 99999999999'");
        DownloadPolicy p = new DownloadPolicy(new DownloadConfig(false, List.of(script("exit 1").toString()),
                List.of()), dir, List.of(nm.toString()), Clock.systemUTC(), ZONE, Duration.ZERO);
        assertThat(p.check().allowed()).isTrue();
    }
}
