package dev.tandem.boot;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * One bootloader's view of the A/B slots, addressed by bootname ("A", "B").
 *
 * <p>"Primary" is the slot the bootloader tries first on the next boot. The contract every adapter
 * keeps (ARCHITECTURE.md §6, checked by the adapter contract tests):
 * <ul>
 *   <li>{@link #setTryOnce} makes a slot primary for {@code boot-attempts} tries; the previous primary
 *       stays next in order, so a slot that never gets marked good falls back to it;</li>
 *   <li>{@link #markGood} keeps a slot primary with its counter armed;</li>
 *   <li>{@link #markBad} makes a slot unbootable; the other slot becomes primary;</li>
 *   <li>{@link #rearm} restores the counter of a good, booted slot and writes nothing when it already
 *       has the armed value (flash wears out);</li>
 *   <li>every write leaves an environment the bootloader can still read, even when it is cut short.</li>
 * </ul>
 * Failures are {@link BootloaderException}s.
 */
public interface BootloaderAdapter {

    /** The adapter's name as written in system.toml ({@code grub}, {@code uboot}, ...). */
    String name();

    /** The bootname tried first on the next boot, empty when no slot is bootable. */
    Optional<String> primary();

    /** What the bootloader would do with this slot now. */
    BootSlotState state(String bootname);

    /** Makes {@code bootname} primary for a trial of {@code boot-attempts} boots. */
    void setTryOnce(String bootname);

    /** Commits {@code bootname}: primary, counter armed. */
    void markGood(String bootname);

    /** Makes {@code bootname} unbootable. */
    void markBad(String bootname);

    /** Re-arms the counter of a good slot if it differs; no write when it is already armed. */
    void rearm(String bootname);

    /**
     * The anti-rollback floor mirrored into the bootloader environment, where there is one (ARCHITECTURE.md §5:
     * the larger of this and status.json counts, so replacing the data partition does not reset it).
     */
    default OptionalLong securityFloor() {
        return OptionalLong.empty();
    }

    /** Raises the mirrored floor to {@code floor}; never lowers it. No-op for bootloaders without an environment. */
    default void raiseSecurityFloor(long floor) {
    }

    /**
     * For a bootloader that only simulates one (the demo's and the tests' {@code file} bootloader), the boots it
     * simulates: the kernel never reboots there, so the adapter itself says which slot booted and which boot this
     * is. Empty for every real bootloader, whose boots the kernel command line, {@code /} and the kernel's boot id
     * tell. The slot manager asks this instead of knowing the simulated adapter's class or name.
     */
    default Optional<SimulatedBoot> simulatedBoot() {
        return Optional.empty();
    }

    /** The current boot of a simulated device. */
    interface SimulatedBoot {

        /** The bootname of the slot the simulated device booted last. */
        String bootedSlot();

        /** The simulated boot's id, changing with every simulated power-on. */
        String bootId();
    }
}
