package dev.tandem.cli;

import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.Slot;
import picocli.CommandLine.Command;

/** {@code tandem mark-bad}. */
@Command(name = "mark-bad", header = "Mark a slot bad: the bootloader will not boot it.")
final class MarkBadCommand extends MarkCommand {
    @Override
    String verb() {
        return "mark-bad";
    }

    @Override
    void mark(DeviceSlots slots, Slot slot) {
        slots.markBad(slot, "marked bad by hand");
    }
}
