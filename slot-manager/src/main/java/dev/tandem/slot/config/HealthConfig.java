package dev.tandem.slot.config;

import java.time.Duration;
import java.util.List;

/**
 * The {@code [health]} table: what boot-check asks before a slot on trial is marked good (ARCHITECTURE.md §6).
 *
 * @param commands         shell commands ({@code sh -c}); exit status 0 means healthy
 * @param units            systemd units that must be active
 * @param minUptime        boot-check waits until the system has been up this long (default 0)
 * @param timeout          time each command or unit query may take (default 60 s)
 * @param fallbackFromGood a good booted slot whose health fails is marked bad (if the other slot is good)
 *                         instead of only being reported (default false)
 */
public record HealthConfig(
        List<String> commands,
        List<String> units,
        Duration minUptime,
        Duration timeout,
        boolean fallbackFromGood) {

    public HealthConfig {
        commands = List.copyOf(commands);
        units = List.copyOf(units);
    }

    /** No checks at all: every boot is healthy. */
    public static HealthConfig none() {
        return new HealthConfig(List.of(), List.of(), Duration.ZERO, Duration.ofSeconds(60), false);
    }
}
