package dev.tandem.hardware.rig;

import dev.tandem.storage.StorageCut;

import dev.tandem.boot.BootloaderAdapter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One real firmware + bootloader combination under QEMU: how its disk is laid out and built, how QEMU starts it,
 * where its environment lives and how tandem is configured to reach that environment from the host.
 */
public interface BootPlatform {

    /** Short name, used for directories and messages ({@code uboot-arm64}). */
    String name();

    /** The guest's architecture (kernel, busybox, emulator). */
    GuestArch arch();

    /** The disk's partitions. */
    DiskLayout layout();

    /** The bundles' and the device's compatible string. */
    default String compatible() {
        return "tandem-qemu-" + name();
    }

    /** How long one boot may take before the rig calls it hung (TCG on a loaded 2-core machine: generous). */
    Duration bootTimeout();

    /** Skips the calling test unless the host has what this platform needs. */
    void assumeAvailable();

    /**
     * Builds the factory disk: partition table, bootloader, boot partition with the boot script, the factory
     * environment (slot A primary and armed, B not bootable) and {@code slotA} flashed into slot A. No root needed.
     *
     * @param work scratch directory, kept for reading
     */
    void buildFactoryDisk(Path disk, Path slotA, Path work) throws IOException;

    /** The QEMU command line for one boot of {@code disk}, serial console into {@code serialLog}. */
    List<String> qemuCommand(Path disk, Path serialLog, Path work);

    /** Whether tandem reaches the environment through the mounted boot partition (GRUB). */
    boolean mountsBootPartition();

    /** The boot partition's file system type for mounting. */
    default String bootFileSystem() {
        return "ext2";
    }

    /** The {@code bootloader} value of system.toml. */
    String bootloader();

    /** The body of system.toml's {@code [bootloader-options]} table for {@code view} (may write files beside it). */
    String bootloaderOptions(DeviceView view) throws IOException;

    /** tandem's adapter for the environment on the disk, its storage wrapped by {@code cut}. */
    BootloaderAdapter adapter(DeviceView view, StorageCut cut);
}
