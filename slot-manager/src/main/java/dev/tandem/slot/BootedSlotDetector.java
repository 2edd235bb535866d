package dev.tandem.slot;

import dev.tandem.boot.BootloaderAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Tells which slot is booted (ARCHITECTURE.md §5), trying in order:
 * <ol>
 *   <li>an explicit override ({@code --booted SLOT}: a slot name like {@code rootfs.1} or a bootname like {@code B});</li>
 *   <li>{@code tandem.slot=<bootname>} or RAUC's {@code rauc.slot=<bootname>} on the kernel command line, which the
 *       boot script sets from the slot it chose: the only source that cannot be fooled by an initramfs;</li>
 *   <li>the device mounted on {@code /}, matched by major:minor against the slots' block devices;</li>
 *   <li>for {@code bootloader = file}, the simulated bootloader's record of what it booted.</li>
 * </ol>
 * When none of these tells, it refuses rather than guess: a wrong guess makes the running slot the target.
 */
public final class BootedSlotDetector {

    private final Path cmdline;
    private final Path mountinfo;

    /**
     * @param cmdline   {@code /proc/cmdline}, or a file in tests
     * @param mountinfo {@code /proc/self/mountinfo}, or a file in tests
     */
    public BootedSlotDetector(Path cmdline, Path mountinfo) {
        this.cmdline = cmdline;
        this.mountinfo = mountinfo;
    }

    /** The running kernel's files. */
    public static BootedSlotDetector system() {
        return new BootedSlotDetector(Path.of("/proc/cmdline"), MountTable.PROC_MOUNTINFO);
    }

    /**
     * @param slots    the resolved slots
     * @param override the {@code --booted} value, or null
     * @param adapter  the bootloader adapter (asked only when it simulates the boots), or null
     * @throws ConfigException when the booted slot cannot be told, or a source names an unknown slot
     */
    public BootedSlot detect(List<Slot> slots, String override, BootloaderAdapter adapter) {
        if (override != null) {
            return new BootedSlot(byNameOrBootname(slots, override, "--booted " + override), "--booted");
        }
        Optional<String> fromCmdline = cmdlineBootname();
        if (fromCmdline.isPresent()) {
            String evidence = "kernel command line " + fromCmdline.get();
            String value = fromCmdline.get().substring(fromCmdline.get().indexOf('=') + 1);
            return new BootedSlot(byNameOrBootname(slots, value, evidence), evidence);
        }
        Optional<DeviceNumber> root = Files.exists(mountinfo)
                ? MountTable.read(mountinfo).deviceOf("/") : Optional.empty();
        if (root.isPresent()) {
            for (Slot s : slots) {
                if (DeviceNumber.ofBlockDevice(s.device()).filter(root.get()::equals).isPresent()) {
                    return new BootedSlot(bootableOf(slots, s), "device of / (" + root.get() + ")");
                }
            }
        }
        Optional<BootloaderAdapter.SimulatedBoot> simulated =
                adapter == null ? Optional.empty() : adapter.simulatedBoot();
        if (simulated.isPresent()) {
            String evidence = adapter.name() + " bootloader";
            return new BootedSlot(byNameOrBootname(slots, simulated.get().bootedSlot(), evidence), evidence);
        }
        throw new ConfigException(ConfigException.Reason.BOOTED_SLOT_UNKNOWN,
                "cannot tell which slot is booted (no tandem.slot= on " + cmdline
                + ", / is not on a slot" + root.map(r -> " but on " + r).orElse("") + "); pass --booted SLOT");
    }

    private Optional<String> cmdlineBootname() {
        String text;
        try {
            text = Files.readString(cmdline);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new SlotIoException("kernel command line " + cmdline + ": cannot read: " + e.getMessage(), e);
        }
        // The kernel passes everything after "--" to init, not to itself; the last occurrence wins, as for
        // kernel parameters.
        int dashes = (" " + text + " ").indexOf(" -- ");
        String kernelPart = dashes >= 0 ? text.substring(0, Math.max(0, dashes)) : text;
        String found = null;
        for (String token : kernelPart.trim().split("\\s+")) {
            if (token.startsWith("tandem.slot=") || token.startsWith("rauc.slot=")) {
                found = token;
            }
        }
        return Optional.ofNullable(found);
    }

    private static Slot byNameOrBootname(List<Slot> slots, String value, String source) {
        for (Slot s : slots) {
            if (value.equals(s.name()) || value.equals(s.bootname())) {
                return bootableOf(slots, s);
            }
        }
        throw new ConfigException(ConfigException.Reason.UNKNOWN_SLOT,
                source + ": no slot is named or has the bootname '" + value + "' (slots: "
                + String.join(", ", slots.stream().map(s -> s.bootname() == null ? s.name()
                : s.name() + "=" + s.bootname()).toList()) + ")");
    }

    /** A slot that follows a parent boots as part of its parent's group. */
    private static Slot bootableOf(List<Slot> slots, Slot s) {
        if (s.bootable()) {
            return s;
        }
        return slots.stream().filter(p -> p.name().equals(s.parent())).findFirst().orElseThrow();
    }
}
