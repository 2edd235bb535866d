package dev.tandem.hardware.rig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shipped boot scripts, {@code contrib/boot.cmd} and {@code contrib/grub.cfg}, adapted to the QEMU "board" the
 * way their comments tell an integrator to: only the marked board-specific parts change, the slot selection runs
 * exactly as shipped. Every edit must match exactly once, so a changed contrib file fails loudly here instead of
 * silently testing something else.
 */
public final class BootScripts {

    /** U-Boot's load address for the raw environment area (inside the 256 MiB of guest RAM, clear of U-Boot). */
    static final String UBOOT_ENV_ADDR = "0x48000000";

    private BootScripts() {
    }

    /** The repository's contrib directory (surefire runs in the module directory). */
    public static Path contrib() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("../contrib").normalize();
    }

    /**
     * contrib/boot.cmd for QEMU arm64: a preamble loads the environment from the raw disk area and defines
     * {@code tandem_saveenv} (U-Boot's own saveenv to pflash is broken on QEMU 7.2, REPORT.md); the board block
     * at the end loads the kernel and initramfs of the chosen slot from virtio partitions 2 and 3.
     *
     * @param envBlock  first 512-byte block of the environment area
     * @param envBlocks its length in blocks
     */
    public static String ubootQemuArm64(int envBlock, int envBlocks, int envSize) throws IOException {
        String shipped = Files.readString(contrib().resolve("boot.cmd"), StandardCharsets.UTF_8);
        String marker = "# Board specific from here";
        int cut = indexOfOnce(shipped, marker, "boot.cmd");
        String read = "virtio read " + UBOOT_ENV_ADDR + " " + hex(envBlock) + " " + hex(envBlocks);
        String write = "virtio write " + UBOOT_ENV_ADDR + " " + hex(envBlock) + " " + hex(envBlocks);
        String preamble = """
                # QEMU board (tandem hardware-tests): the environment lives in a raw area of the virtio disk, like
                # CONFIG_ENV_IS_IN_MMC with ENV_OFFSET; this preamble loads it, contrib/boot.cmd follows unchanged.
                if %s && env import -c %s %s; then
                  echo "qemu-board: environment loaded from disk"
                else
                  echo "qemu-board: no valid environment on disk, using the default"
                fi
                setenv tandem_saveenv 'env export -c -s %s %s && %s'
                """.formatted(read, UBOOT_ENV_ADDR, hex(envSize), hex(envSize), UBOOT_ENV_ADDR, write);
        String board = """
                # QEMU board: slot A is virtio partition 2, B is 3; the initramfs is the whole userland.
                if test "${tandem_slot}" = "A"; then setenv tandem_part 2; else setenv tandem_part 3; fi
                setenv bootargs "console=ttyAMA0 panic=-1 quiet tandem.slot=${tandem_slot}"
                load virtio 0:${tandem_part} ${kernel_addr_r} /boot/vmlinuz
                load virtio 0:${tandem_part} ${ramdisk_addr_r} /boot/initrd.img
                booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdt_addr}
                """;
        return preamble + "\n" + shipped.substring(0, cut) + board;
    }

    /**
     * contrib/grub.cfg for QEMU x86 BIOS: serial console first, then the shipped file with its three board
     * variables set for an MBR disk (slots on msdos2/msdos3, console on ttyS0, panic ends the VM at once) and one
     * {@code echo} of the decision before the menu entries, so a failure report shows what GRUB chose.
     */
    public static String grubQemuBios() throws IOException {
        String s = Files.readString(contrib().resolve("grub.cfg"), StandardCharsets.UTF_8);
        s = replaceLineOnce(s, "set tandem_root_A=", "set tandem_root_A=(hd0,msdos2)");
        s = replaceLineOnce(s, "set tandem_root_B=", "set tandem_root_B=(hd0,msdos3)");
        // no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can miss its ticks and panic.
        s = replaceLineOnce(s, "set tandem_cmdline=",
                "set tandem_cmdline=\"console=ttyS0 panic=-1 quiet no_timer_check\"");
        int menu = indexOfOnce(s, "menuentry \"tandem slot A\"", "grub.cfg");
        s = s.substring(0, menu)
                + "echo \"tandem: booting slot ${tandem_slot} (ORDER=${ORDER} A_OK=${A_OK} A_TRY=${A_TRY}"
                + " B_OK=${B_OK} B_TRY=${B_TRY})\"\n\n" + s.substring(menu);
        return "# QEMU board (tandem hardware-tests): serial console; contrib/grub.cfg follows, board lines set.\n"
                + "serial --unit=0 --speed=115200\nterminal_input serial\nterminal_output serial\n\n" + s;
    }

    /**
     * contrib/grub.cfg for the emulated Debian device ({@link DeviceDisk}): the shipped root devices (gpt2, gpt3)
     * and PARTLABEL root= stay; only the command line gets the serial console and the quiet kernel a slow TCG
     * guest wants. Same decision echo as {@link #grubQemuBios}.
     */
    public static String grubDevice() throws IOException {
        String s = Files.readString(contrib().resolve("grub.cfg"), StandardCharsets.UTF_8);
        s = replaceLineOnce(s, "set tandem_cmdline=",
                "set tandem_cmdline=\"rootwait rw console=ttyS0,115200 panic=10 quiet loglevel=4 no_timer_check\"");
        int menu = indexOfOnce(s, "menuentry \"tandem slot A\"", "grub.cfg");
        s = s.substring(0, menu)
                + "echo \"tandem: booting slot ${tandem_slot} (ORDER=${ORDER} A_OK=${A_OK} A_TRY=${A_TRY}"
                + " B_OK=${B_OK} B_TRY=${B_TRY})\"\n\n" + s.substring(menu);
        return "# QEMU device (tandem hardware-tests): serial console; contrib/grub.cfg follows, cmdline set.\n"
                + "serial --unit=0 --speed=115200\nterminal_input serial\nterminal_output serial\n\n" + s;
    }

    private static String replaceLineOnce(String text, String prefix, String replacement) {
        String[] lines = text.split("\n", -1);
        int found = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith(prefix)) {
                if (found >= 0) {
                    throw new RigException("contrib/grub.cfg: '" + prefix + "' appears more than once");
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new RigException("contrib/grub.cfg: no line starts with '" + prefix + "' (board variable moved?)");
        }
        lines[found] = replacement;
        return String.join("\n", lines);
    }

    private static int indexOfOnce(String text, String needle, String file) {
        int i = text.indexOf(needle);
        if (i < 0 || text.indexOf(needle, i + 1) >= 0) {
            throw new RigException("contrib/" + file + ": '" + needle + "' must appear exactly once");
        }
        return i;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
