package dev.tandem.cli;

import dev.tandem.slot.bootcheck.BootCheck;
import dev.tandem.slot.bootcheck.BootCheckResult;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.bootcheck.HealthCheck;
import dev.tandem.slot.Hooks;
import dev.tandem.slot.config.SystemConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem boot-check}: the boot-time contract, on every boot. */
@Command(name = "boot-check", header = "Run the health checks and commit or reject the booted slot (every boot).")
final class BootCheckCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the decision as JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DeviceSlots slots = Device.open(Globals.of(spec));
        SystemConfig cfg = slots.config();
        PrintWriter out = spec.commandLine().getOut();
        // The verdict before a reboot, flushed: systemd stops this unit as soon as the reboot command asks.
        List<String> printed = new ArrayList<>();
        Consumer<BootCheckResult> beforeReboot = json ? r -> { } : r -> {
            print(out, r, r.notes());
            printed.addAll(r.notes());
        };
        BootCheckResult result;
        try (DataDirLock lock = DataDirLock.acquire(cfg.dataDir(), "boot-check")) {
            result = new BootCheck(slots, HealthCheck.system(cfg.health()),
                    new Hooks(cfg.hooks(), cfg.compatible(), cfg.dataDir()), beforeReboot).run();
        } catch (RuntimeException e) {
            throw new CommandContext("boot-check", e);
        }
        if (json) {
            out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(result));
            out.flush();
        } else if (!result.rebooting()) {
            print(out, result, result.notes());
        } else {
            // after the reboot command: only what it added (its failure), if the unit still runs
            result.notes().stream().filter(n -> !printed.contains(n)).forEach(n -> out.println("  " + n));
            out.flush();
        }
        return 0;
    }

    private static void print(PrintWriter out, BootCheckResult result, List<String> notes) {
        out.println("boot-check: " + result.booted() + ": " + result.outcome().name().toLowerCase()
                .replace('_', ' ') + (result.reason() != null ? " (" + result.reason() + ")" : ""));
        notes.forEach(n -> out.println("  " + n));
        out.flush();
    }
}
