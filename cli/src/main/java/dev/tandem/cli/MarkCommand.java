package dev.tandem.cli;

import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.Slot;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Shared by the three mark commands. */
abstract class MarkCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "SLOT", defaultValue = "booted",
            description = "booted (default), other, a slot name (rootfs.1) or a bootname (B).")
    String which;

    @Spec
    CommandSpec spec;

    abstract String verb();

    abstract void mark(DeviceSlots slots, Slot slot);

    @Override
    public Integer call() {
        DeviceSlots slots = Device.open(Globals.of(spec));
        Slot slot = slots.select(which);
        try (DataDirLock lock = DataDirLock.acquire(slots.config().dataDir(), verb())) {
            mark(slots, slot);
        } catch (RuntimeException e) {
            throw new CommandContext(verb() + " " + slot.name(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(verb() + ": " + slot.name() + " (" + slot.bootname() + ")");
        out.flush();
        return 0;
    }
}
