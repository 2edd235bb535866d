package dev.tandem.slot;

import dev.tandem.boot.BootloaderAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the current boot's id comes from. Slot state changes record it, so boot-check can tell "activated in
 * an earlier boot" (the device rebooted since) from "activated in this boot" (ARCHITECTURE.md §6).
 */
@FunctionalInterface
public interface BootIdSource {

    /** The kernel's random per-boot UUID. */
    Path KERNEL_BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    /** The current boot's id. */
    String current();

    /** The kernel's boot id (or a file holding one, in tests). */
    static BootIdSource kernel(Path bootIdFile) {
        return () -> {
            try {
                return Files.readString(bootIdFile).trim();
            } catch (IOException e) {
                throw new SlotIoException("boot id " + bootIdFile + ": cannot read: " + e.getMessage(), e);
            }
        };
    }

    /**
     * A simulated bootloader's boots ({@link BootloaderAdapter#simulatedBoot()}): in the demo the kernel never
     * reboots but the simulation does, and boot-check must see those as reboots.
     */
    static BootIdSource simulated(BootloaderAdapter adapter) {
        return () -> adapter.simulatedBoot()
                .orElseThrow(() -> new IllegalStateException(adapter.name() + " does not simulate boots")).bootId();
    }
}
