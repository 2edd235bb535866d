package dev.tandem.cli;

import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.Slot;
import picocli.CommandLine.Command;

/** {@code tandem mark-good}. */
@Command(name = "mark-good", header = "Mark a slot good: keep booting it.")
final class MarkGoodCommand extends MarkCommand {
    @Override
    String verb() {
        return "mark-good";
    }

    @Override
    void mark(DeviceSlots slots, Slot slot) {
        slots.markGood(slot);
    }
}
