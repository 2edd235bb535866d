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

/** {@code tandem mark-active}. */
@Command(name = "mark-active", header = "Make a slot primary: boot it next (and after).")
final class MarkActiveCommand extends MarkCommand {
    @Override
    String verb() {
        return "mark-active";
    }

    @Override
    void mark(DeviceSlots slots, Slot slot) {
        slots.markActive(slot);
    }
}
