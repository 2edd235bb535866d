package dev.tandem.slot.bootcheck;

import dev.tandem.slot.CommandRunner;
import dev.tandem.slot.SlotIoException;
import dev.tandem.slot.config.HealthConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the {@code [health]} checks (ARCHITECTURE.md §6): first waits until the system has been up {@code min-uptime}
 * (services that crash-loop need time to show it), then every command ({@code sh -c}, exit 0 = healthy) and every
 * unit ({@code systemctl is-active}), each within {@code timeout}. All checks run, so the reason names every
 * failure, not just the first.
 */
public final class HealthCheck {

    private final HealthConfig config;
    private final Path procUptime;
    private final String systemctl;

    /**
     * @param procUptime {@code /proc/uptime}, or a file in tests
     * @param systemctl  the {@code systemctl} executable
     */
    public HealthCheck(HealthConfig config, Path procUptime, String systemctl) {
        this.config = config;
        this.procUptime = procUptime;
        this.systemctl = systemctl;
    }

    /** The running system's uptime and systemctl. */
    public static HealthCheck system(HealthConfig config) {
        return new HealthCheck(config, Path.of("/proc/uptime"), "systemctl");
    }

    public HealthResult run() {
        waitForMinUptime();
        List<String> failures = new ArrayList<>();
        for (String command : config.commands()) {
            CommandRunner.Result r = CommandRunner.shell(command, Map.of(), config.timeout());
            if (!r.ok()) {
                failures.add("health command '" + command + "' " + r.describe(config.timeout()));
            }
        }
        for (String unit : config.units()) {
            CommandRunner.Result r = CommandRunner.run(List.of(systemctl, "is-active", unit), Map.of(),
                    config.timeout());
            if (!r.ok()) {
                String state = CommandRunner.lastLine(r.output());
                failures.add("unit " + unit + " is " + (r.timedOut() ? "not answering ("
                        + r.describe(config.timeout()) + ")" : state.isEmpty() ? "not active" : state));
            }
        }
        return new HealthResult(failures);
    }

    /** Sleeps until uptime reaches min-uptime; uptime runs at wall-clock speed, so one reading suffices. */
    private void waitForMinUptime() {
        if (config.minUptime().isZero()) {
            return;
        }
        Duration uptime;
        try {
            String first = Files.readString(procUptime).trim().split("\\s+")[0];
            uptime = Duration.ofMillis((long) (Double.parseDouble(first) * 1000));
        } catch (IOException | NumberFormatException e) {
            throw new SlotIoException("uptime " + procUptime + ": cannot read: " + e.getMessage(), e);
        }
        Duration left = config.minUptime().minus(uptime);
        if (left.isNegative() || left.isZero()) {
            return;
        }
        try {
            Thread.sleep(left.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
