package dev.tandem.cli;

import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tandem activate}: try-once for an installed, not yet activated group. */
@Command(name = "activate", header = "Set try-once for a slot installed with --no-activate.")
final class ActivateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        DeviceSlots slots = Device.open(Globals.of(spec));
        try (DataDirLock lock = DataDirLock.acquire(slots.config().dataDir(), "activate")) {
            slots.activate(slots.targetGroup());
        } catch (RuntimeException e) {
            throw new CommandContext("activate", e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("try-once set: " + slots.targetGroup().get(0).name() + " boots next, once");
        out.flush();
        return 0;
    }
}
