package dev.tandem.cli;

import dev.tandem.slot.bootcheck.BootCheck;
import dev.tandem.slot.bootcheck.BootCheckResult;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.bootcheck.HealthCheck;
import dev.tandem.slot.Hooks;
import dev.tandem.slot.config.SystemConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
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
        BootCheckResult result;
        try (DataDirLock lock = DataDirLock.acquire(cfg.dataDir(), "boot-check")) {
            result = new BootCheck(slots, HealthCheck.system(cfg.health()),
                    new Hooks(cfg.hooks(), cfg.compatible(), cfg.dataDir())).run();
        } catch (RuntimeException e) {
            throw new CommandContext("boot-check", e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(result));
        } else {
            out.println("boot-check: " + result.booted() + ": " + result.outcome().name().toLowerCase()
                    .replace('_', ' ') + (result.reason() != null ? " (" + result.reason() + ")" : ""));
            result.notes().forEach(n -> out.println("  " + n));
        }
        out.flush();
        return 0;
    }
}
