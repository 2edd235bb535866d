package dev.tandem.hardware.rig;

import dev.tandem.storage.StorageCut;

import dev.tandem.boot.BootloaderAdapter;
import dev.tandem.boot.GrubEnvAdapter;
import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * GRUB 2.06 for i386-pc on SeaBIOS ({@code qemu-system-x86_64}, TCG): about 7 s a boot on an idle machine, most
 * of it the XZ-compressed kernel. No grub-install: {@code boot.img} goes into the MBR and a {@code core.img} with
 * every module embedded behind it. The boot partition is ext2 (the host kernel has no vfat, and ARCHITECTURE.md §6 prefers
 * the environment on ext2/4): {@code /grub/grub.cfg}, {@code /grub/grubenv}, and {@code grubenv.bak} once tandem
 * wrote one. tandem reaches the environment by mounting it from a loop device.
 */
public final class GrubBios implements BootPlatform {

    static final Path BOOT_IMG = Path.of("/usr/lib/grub/i386-pc/boot.img");

    @Override
    public String name() {
        return "grub-bios";
    }

    @Override
    public GuestArch arch() {
        return GuestArch.X86_64;
    }

    @Override
    public DiskLayout layout() {
        // An 8 MB bzImage plus the payload: 32 MiB slots.
        return new DiskLayout(16L << 20, 32L << 20);
    }

    @Override
    public Duration bootTimeout() {
        return Duration.ofSeconds(150);
    }

    @Override
    public void assumeAvailable() {
        Prerequisites.assumeGuest(arch());
        Prerequisites.assumeFiles(BOOT_IMG);
        Prerequisites.assumeTools("grub-mkimage", "grub-editenv", "mkfs.ext2", "sfdisk", "mkfs.ext4", "cpio", "gzip",
                "losetup", "mount", "unshare");
    }

    @Override
    public void buildFactoryDisk(Path disk, Path slotA, Path work) throws IOException {
        Path tree = work.resolve("bootfs");
        Files.createDirectories(tree.resolve("grub"));
        Files.writeString(tree.resolve("grub/grub.cfg"), BootScripts.grubQemuBios(), StandardCharsets.UTF_8);
        // The factory environment, as an image builder writes it with grub-editenv: A boots, B holds nothing yet.
        Path env = tree.resolve("grub/grubenv");
        Files.deleteIfExists(env);
        HostCommand.of("grub-editenv", env.toString(), "create").ok();
        HostCommand.of("grub-editenv", env.toString(), "set", "ORDER=A B", "A_OK=1", "A_TRY=0", "B_OK=0", "B_TRY=0")
                .ok();
        Path ext2 = work.resolve("boot.ext2");
        Files.deleteIfExists(ext2);
        HostCommand.of("mkfs.ext2", "-q", "-F", "-L", "boot", "-d", tree.toString(), ext2.toString(),
                (layout().bootSize() >> 10) + "k").ok();

        Path core = work.resolve("core.img");
        HostCommand.of("grub-mkimage", "-O", "i386-pc", "-p", "(hd0,msdos1)/grub", "-o", core.toString(),
                "biosdisk", "part_msdos", "ext2", "normal", "linux", "configfile", "loadenv", "test", "echo",
                "serial", "terminal", "halt", "reboot").ok();
        if (Files.size(core) > layout().bootStart() - 512) {
            throw new RigException("core.img (" + Files.size(core) + " bytes) does not fit before p1");
        }
        DiskImage.create(disk, layout(), "83");
        // boot.img's first 440 bytes only: the partition table behind them stays. grub-mkimage already pointed
        // diskboot at LBA 2 onwards, so no grub-bios-setup is needed.
        DiskImage.writeHead(disk, 0, BOOT_IMG, 440);
        DiskImage.write(disk, 512, core);
        DiskImage.write(disk, layout().bootStart(), ext2);
        DiskImage.write(disk, layout().slotStart("A"), slotA);
    }

    @Override
    public List<String> qemuCommand(Path disk, Path serialLog, Path work) {
        return List.of(arch().qemu(), "-accel", "tcg", "-m", "128", "-nodefaults",
                "-drive", "file=" + disk + ",format=raw,if=virtio",
                "-serial", "file:" + serialLog, "-no-reboot", "-monitor", "none", "-display", "none");
    }

    @Override
    public boolean mountsBootPartition() {
        return true;
    }

    @Override
    public String bootloader() {
        return "grub";
    }

    @Override
    public String bootloaderOptions(DeviceView view) {
        return "grubenv = \"" + grubenv(view) + "\"\n";
    }

    private static Path grubenv(DeviceView view) {
        return view.bootMount().orElseThrow().resolve("grub/grubenv");
    }

    @Override
    public BootloaderAdapter adapter(DeviceView view, StorageCut cut) {
        Path env = grubenv(view);
        return new GrubEnvAdapter(cut.wrap(DurableFile.at(env)), cut.wrap(DurableFile.at(GrubEnvAdapter.backupOf(env))),
                List.of("A", "B"), 1);
    }
}
