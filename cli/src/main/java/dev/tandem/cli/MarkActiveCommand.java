package dev.tandem.cli;

import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.Slot;
import picocli.CommandLine.Command;

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
