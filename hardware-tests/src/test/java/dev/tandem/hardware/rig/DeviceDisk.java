package dev.tandem.hardware.rig;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The emulated device's disk: GPT with a {@code bios_grub} partition holding GRUB's core.img, {@code rootfs-a},
 * {@code rootfs-b} and {@code data} (PARTLABELs). The data partition carries {@code /grub/grub.cfg}
 * (contrib/grub.cfg with the board lines set, {@link BootScripts#grubDevice}), the factory grubenv and the
 * agent's token; the root file systems mount it at {@code /data}. No grub-install: boot.img's first 440 bytes go
 * into the protective MBR, pointed at core.img in the bios_grub partition, as grub-bios-setup would point them.
 */
public final class DeviceDisk {

    private static final long MIB = 1L << 20;
    /** bios_grub at 1 MiB, 1 MiB long. */
    private static final long CORE_START = MIB;
    private static final long SLOT_A_START = 2 * MIB;
    private static final long DATA_SIZE = 64 * MIB;
    /** Where boot.img keeps the first sector of core.img (GRUB_BOOT_MACHINE_KERNEL_SECTOR). */
    private static final int BOOT_KERNEL_SECTOR = 0x5c;
    /** diskboot.img's block list: start sector of the rest of core.img, 12 bytes before the end of its sector. */
    private static final int DISKBOOT_LIST_START = 0x200 - 12;

    private final long slotSize;

    /** @param slotSize bytes of each rootfs partition, a multiple of 1 MiB */
    public DeviceDisk(long slotSize) {
        if (slotSize % MIB != 0) {
            throw new IllegalArgumentException("slot size must be whole MiB: " + slotSize);
        }
        this.slotSize = slotSize;
    }

    public long slotSize() {
        return slotSize;
    }

    public long slotStart(String bootname) {
        return "A".equals(bootname) ? SLOT_A_START : SLOT_A_START + slotSize;
    }

    public long dataStart() {
        return SLOT_A_START + 2 * slotSize;
    }

    /**
     * Builds the factory disk: slot A holds {@code slotA}, B is empty, A is the good slot in grubenv.
     *
     * @param dataFiles a directory whose files go into the data partition besides grub/ (token, ...)
     */
    public void build(Path disk, Path slotA, Path dataFiles, Path work) throws IOException {
        Files.createDirectories(work);
        Path grubDir = dataFiles.resolve("grub");
        Files.createDirectories(grubDir);
        Files.writeString(grubDir.resolve("grub.cfg"), BootScripts.grubDevice(), StandardCharsets.UTF_8);
        Path env = grubDir.resolve("grubenv");
        Files.deleteIfExists(env);
        HostCommand.of("grub-editenv", env.toString(), "create").ok();
        HostCommand.of("grub-editenv", env.toString(), "set", "ORDER=A B", "A_OK=1", "A_TRY=0", "B_OK=0", "B_TRY=0")
                .ok();
        Path data = work.resolve("data.ext4");
        Files.deleteIfExists(data);
        HostCommand.of("mkfs.ext4", "-q", "-F", "-L", "data", "-d", dataFiles.toString(), data.toString(),
                (DATA_SIZE >> 10) + "k").ok();

        Path core = work.resolve("core.img");
        HostCommand.of("grub-mkimage", "-O", "i386-pc", "-p", "(hd0,gpt4)/grub", "-o", core.toString(),
                "biosdisk", "part_gpt", "ext2", "normal", "linux", "configfile", "loadenv", "test", "echo",
                "serial", "terminal", "halt", "reboot").ok();
        if (Files.size(core) > MIB) {
            throw new RigException("core.img (" + Files.size(core) + " bytes) does not fit the bios_grub partition");
        }
        Path bootImg = work.resolve("boot.img");
        Files.copy(GrubBios.BOOT_IMG, bootImg, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        pointAt(bootImg, core);

        Files.deleteIfExists(disk);
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(dataStart() + DATA_SIZE + MIB);
        }
        String table = "label: gpt\n"
                + "start=" + (CORE_START >> 9) + ", size=" + (MIB >> 9)
                + ", type=21686148-6449-6E6F-744E-656564454649, name=\"bios\"\n"
                + "start=" + (SLOT_A_START >> 9) + ", size=" + (slotSize >> 9) + ", type=L, name=\"rootfs-a\"\n"
                + "start=" + (slotStart("B") >> 9) + ", size=" + (slotSize >> 9) + ", type=L, name=\"rootfs-b\"\n"
                + "start=" + (dataStart() >> 9) + ", size=" + (DATA_SIZE >> 9) + ", type=L, name=\"data\"\n";
        HostCommand.of("sfdisk", "-q", "--no-reread", "--no-tell-kernel", disk.toString()).stdin(table).ok();
        DiskImage.writeHead(disk, 0, bootImg, 440);
        DiskImage.write(disk, CORE_START, core);
        HostCommand.of("dd", "if=" + slotA, "of=" + disk, "bs=4M", "oflag=seek_bytes", "seek=" + SLOT_A_START,
                "conv=notrunc,sparse", "status=none").timeout(Duration.ofMinutes(5)).ok();
        DiskImage.write(disk, dataStart(), data);
    }

    /** A file of the data partition of {@code disk}, read offline (QEMU must have ended). */
    public String readDataFile(Path disk, String path) throws IOException {
        Path part = Files.createTempFile(disk.getParent(), "data", ".ext4");
        try {
            HostCommand.of("dd", "if=" + disk, "of=" + part, "bs=1M", "iflag=skip_bytes,count_bytes",
                    "skip=" + dataStart(), "count=" + DATA_SIZE, "conv=sparse", "status=none").ok();
            return HostCommand.of("debugfs", "-R", "cat " + path, part.toString()).ok();
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** Points boot.img at core.img's first sector, and core.img's block list at the sectors after it. */
    private static void pointAt(Path bootImg, Path core) throws IOException {
        long first = CORE_START >> 9;
        try (RandomAccessFile f = new RandomAccessFile(bootImg.toFile(), "rw")) {
            f.seek(BOOT_KERNEL_SECTOR);
            f.write(le(first));
        }
        try (RandomAccessFile f = new RandomAccessFile(core.toFile(), "rw")) {
            byte[] start = new byte[8];
            f.seek(DISKBOOT_LIST_START);
            f.readFully(start);
            long was = ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (was != 2) {
                // grub-mkimage writes the layout of an MBR gap (core.img at LBA 1, the rest from LBA 2)
                throw new RigException("core.img's block list starts at " + was + ", expected 2");
            }
            f.seek(DISKBOOT_LIST_START);
            f.write(le(first + 1));
        }
    }

    private static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
