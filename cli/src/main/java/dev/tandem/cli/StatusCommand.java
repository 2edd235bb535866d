package dev.tandem.cli;

import dev.tandem.slot.BootCheck;
import dev.tandem.slot.BootCheckResult;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.DeviceSlots;
import dev.tandem.slot.HealthCheck;
import dev.tandem.slot.Hooks;
import dev.tandem.slot.Slot;
import dev.tandem.slot.StatusReport;
import dev.tandem.slot.SystemConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem status}. */
@Command(name = "status", header = "Show the slots: booted, primary, states, versions.")
final class StatusCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        StatusReport report = Device.open(Globals.of(spec)).status();
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? report.toJson() : report.toText());
        out.flush();
        return 0;
    }
}
