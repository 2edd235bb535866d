package dev.tandem.hardware.rig;

import dev.tandem.storage.StorageCut;

import dev.tandem.boot.BootloaderAdapter;
import dev.tandem.boot.FwEnvConfig;
import dev.tandem.boot.UBootEnvAdapter;
import dev.tandem.storage.FileBlockTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Debian's U-Boot for {@code qemu_arm64} on {@code qemu-system-aarch64 -M virt -cpu cortex-a57} (TCG): about 2 s a
 * boot on an idle machine. The environment is a single copy in a raw disk area at 0x80000 (REPORT.md: saveenv to
 * pflash is broken on QEMU 7.2), loaded and saved by the boot script's QEMU preamble; tandem reaches it through a
 * loop device over the whole disk and a {@code fw_env.config} naming that area. The boot partition is FAT with
 * {@code boot.scr}, found by U-Boot's stock distro boot.
 */
public final class UBootArm64 implements BootPlatform {

    /** Environment area: offset and size, as in the QEMU preamble of the boot script. */
    public static final long ENV_OFFSET = 0x80000;
    public static final int ENV_SIZE = 0x4000;

    static final Path FIRMWARE = Path.of("/usr/lib/u-boot/qemu_arm64/u-boot.bin");

    private final Path firmwareDir;

    /** @param firmwareDir where the patched firmware copy is kept (the factory's directory) */
    public UBootArm64(Path firmwareDir) {
        this.firmwareDir = firmwareDir;
    }

    @Override
    public String name() {
        return "uboot-arm64";
    }

    @Override
    public GuestArch arch() {
        return GuestArch.ARM64;
    }

    @Override
    public DiskLayout layout() {
        // The arm64 Image is 32 MB uncompressed, plus the payload: 64 MiB slots.
        return new DiskLayout(16L << 20, 64L << 20);
    }

    @Override
    public Duration bootTimeout() {
        return Duration.ofSeconds(90);
    }

    @Override
    public void assumeAvailable() {
        Prerequisites.assumeGuest(arch());
        Prerequisites.assumeFiles(FIRMWARE);
        Prerequisites.assumeTools("mkimage", "mkenvimage", "fw_printenv", "mkfs.vfat", "mcopy", "sfdisk", "mkfs.ext4",
                "cpio", "gzip", "losetup", "unshare");
    }

    @Override
    public void buildFactoryDisk(Path disk, Path slotA, Path work) throws IOException {
        Files.createDirectories(work);
        Path cmd = work.resolve("boot.cmd");
        Files.writeString(cmd, BootScripts.ubootQemuArm64((int) (ENV_OFFSET / 512), ENV_SIZE / 512, ENV_SIZE),
                StandardCharsets.UTF_8);
        Path scr = work.resolve("boot.scr");
        HostCommand.of("mkimage", "-A", "arm64", "-O", "linux", "-T", "script", "-C", "none", "-n", "tandem A/B",
                "-d", cmd.toString(), scr.toString()).ok();
        Path vfat = work.resolve("boot.vfat");
        Files.deleteIfExists(vfat);
        HostCommand.of("mkfs.vfat", "-C", vfat.toString(), Long.toString(layout().bootSize() >> 10)).ok();
        HostCommand.of("mcopy", "-i", vfat.toString(), scr.toString(), "::/").ok();

        // The factory environment, as an image builder writes it with mkenvimage: A boots, B holds nothing yet.
        Path envTxt = work.resolve("factory-env.txt");
        Files.writeString(envTxt, "BOOT_ORDER=A B\nBOOT_A_LEFT=1\nBOOT_B_LEFT=0\n", StandardCharsets.US_ASCII);
        Path envBin = work.resolve("factory-env.bin");
        HostCommand.of("mkenvimage", "-s", "0x" + Integer.toHexString(ENV_SIZE), "-o", envBin.toString(),
                envTxt.toString()).ok();

        DiskImage.create(disk, layout(), "c");
        DiskImage.write(disk, ENV_OFFSET, envBin);
        DiskImage.write(disk, layout().bootStart(), vfat);
        DiskImage.write(disk, layout().slotStart("A"), slotA);
        patchFirmware();
    }

    /**
     * The stock firmware waits 2 s for a key (bootdelay=2), 2 s of every boot for nothing: a copy with
     * {@code bootdelay=0} in its built-in default environment (plain text, same length, no checksum).
     */
    private void patchFirmware() throws IOException {
        Path out = firmware();
        if (Files.exists(out)) {
            return;
        }
        byte[] fw = Files.readAllBytes(FIRMWARE);
        byte[] from = "bootdelay=2\0".getBytes(StandardCharsets.US_ASCII);
        int at = -1;
        for (int i = 0; i + from.length <= fw.length; i++) {
            if (java.util.Arrays.equals(fw, i, i + from.length, from, 0, from.length)) {
                if (at >= 0) {
                    throw new RigException(FIRMWARE + ": 'bootdelay=2' found more than once; not patching");
                }
                at = i;
            }
        }
        if (at < 0) {
            throw new RigException(FIRMWARE + ": 'bootdelay=2' not found; not patching");
        }
        fw[at + "bootdelay=".length()] = '0';
        Files.write(out, fw);
    }

    private Path firmware() {
        return firmwareDir.resolve("u-boot-bootdelay0.bin");
    }

    @Override
    public List<String> qemuCommand(Path disk, Path serialLog, Path work) {
        // -cpu cortex-a57, not max: max emulates pointer authentication and boots the kernel ~3x slower.
        return List.of(arch().qemu(), "-M", "virt", "-cpu", "cortex-a57", "-m", "256", "-nodefaults",
                "-bios", firmware().toString(), "-drive", "file=" + disk + ",format=raw,if=virtio",
                "-serial", "file:" + serialLog, "-no-reboot", "-monitor", "none", "-display", "none");
    }

    @Override
    public boolean mountsBootPartition() {
        return false;
    }

    @Override
    public String bootloader() {
        return "uboot";
    }

    @Override
    public String bootloaderOptions(DeviceView view) throws IOException {
        Path fwEnv = fwEnvConfig(view);
        return "fw-env-config = \"" + fwEnv + "\"\nboot-attempts = " + view.bootAttempts() + "\n";
    }

    private static Path fwEnvConfig(DeviceView view) throws IOException {
        Path fwEnv = view.dir().resolve("fw_env.config");
        // Sizes in fw_env.config are always hexadecimal (libubootenv's sscanf %lx).
        Files.writeString(fwEnv, "# device offset size\n" + view.wholeDisk() + " 0x" + Long.toHexString(ENV_OFFSET)
                + " 0x" + Integer.toHexString(ENV_SIZE) + "\n", StandardCharsets.US_ASCII);
        return fwEnv;
    }

    @Override
    public BootloaderAdapter adapter(DeviceView view, StorageCut cut) {
        try {
            return new UBootEnvAdapter(FwEnvConfig.read(fwEnvConfig(view)), (device, writable) -> cut.wrap(
                    writable ? FileBlockTarget.open(device) : FileBlockTarget.openReadOnly(device)),
                    List.of("A", "B"), view.bootAttempts());
        } catch (IOException e) {
            throw new RigException("fw_env.config: " + e.getMessage(), e);
        }
    }
}
