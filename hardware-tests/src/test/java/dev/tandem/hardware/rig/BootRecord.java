package dev.tandem.hardware.rig;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One boot = one QEMU process: what it was for, how it ended and what its console showed.
 *
 * @param number  1-based within the scenario
 * @param label   what the boot is for ("trial of 2.0.0")
 * @param log     the serial console file
 * @param wall    wall time from QEMU start to its end
 * @param ending  how the QEMU process ended
 * @param console the parsed console
 */
public record BootRecord(int number, String label, Path log, Duration wall, Ending ending, ConsoleLog console) {

    /** How a boot ended. */
    public enum Ending {
        /** The guest powered off, panicked or the bootloader reset (QEMU runs with -no-reboot): QEMU exited. */
        EXITED,
        /** The rig cut the power (killed QEMU) on purpose. */
        POWER_CUT,
        /** The boot overran its timeout and was killed. */
        TIMED_OUT
    }

    /** "boot 3 (trial of 2.0.0)". */
    public String name() {
        return "boot " + number + " (" + label + ")";
    }

    /** Seconds with one decimal, for logs. */
    public String seconds() {
        return String.format("%.1f s", wall.toMillis() / 1000.0);
    }
}
