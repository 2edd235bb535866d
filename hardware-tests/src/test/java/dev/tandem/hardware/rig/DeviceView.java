package dev.tandem.hardware.rig;

import dev.tandem.storage.StorageCut;

import dev.tandem.boot.BootloaderAdapter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The emulated device's disk as tandem on the host sees it while the VM is off: loop devices for slot A, slot B
 * and the whole disk, the boot partition mounted where the bootloader keeps its environment on it, and a
 * system.toml that points tandem at them. Closing unmounts and detaches everything, so the next boot's QEMU
 * reads exactly what reached the image file.
 */
public final class DeviceView implements AutoCloseable {

    private final BootPlatform platform;
    private final Path dir;
    private final LoopDevice slotA;
    private final LoopDevice slotB;
    private final LoopDevice wholeDisk;
    private final LoopDevice bootPartition;
    private final Mount bootMount;
    private final Path config;
    private final int bootAttempts;

    private DeviceView(BootPlatform platform, Path dir, LoopDevice slotA, LoopDevice slotB, LoopDevice wholeDisk,
                       LoopDevice bootPartition, Mount bootMount, Path config, int bootAttempts) {
        this.platform = platform;
        this.dir = dir;
        this.slotA = slotA;
        this.slotB = slotB;
        this.wholeDisk = wholeDisk;
        this.bootPartition = bootPartition;
        this.bootMount = bootMount;
        this.config = config;
        this.bootAttempts = bootAttempts;
    }

    /**
     * Attaches and mounts; writes {@code dir/system.toml}: {@code topLevel} keys, the platform's bootloader,
     * {@code tables} (other than the bootloader's and the slots'), the bootloader options (with
     * {@code boot-attempts}) and the slot devices.
     */
    public static DeviceView open(BootPlatform platform, Path disk, Path dir, String topLevel, String tables,
                                  int bootAttempts) throws IOException {
        DiskLayout layout = platform.layout();
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            LoopDevice a = track(opened, LoopDevice.attach(disk, layout.slotStart("A"), layout.slotSize()));
            LoopDevice b = track(opened, LoopDevice.attach(disk, layout.slotStart("B"), layout.slotSize()));
            LoopDevice whole = track(opened, LoopDevice.attach(disk));
            LoopDevice boot = null;
            Mount mount = null;
            if (platform.mountsBootPartition()) {
                boot = track(opened, LoopDevice.attach(disk, layout.bootStart(), layout.bootSize()));
                mount = track(opened, Mount.of(boot.device(), platform.bootFileSystem(), dir.resolve("mnt/boot")));
            }
            DeviceView view = new DeviceView(platform, dir, a, b, whole, boot, mount, dir.resolve("system.toml"),
                    bootAttempts);
            String toml = topLevel + "\nbootloader = \"" + platform.bootloader() + "\"\n\n" + tables + "\n"
                    + "[bootloader-options]\n" + platform.bootloaderOptions(view) + "\n"
                    + "[slots.\"rootfs.0\"]\ndevice = \"" + a.device() + "\"\nbootname = \"A\"\n\n"
                    + "[slots.\"rootfs.1\"]\ndevice = \"" + b.device() + "\"\nbootname = \"B\"\n";
            Files.writeString(view.config, toml, StandardCharsets.UTF_8);
            return view;
        } catch (IOException | RuntimeException e) {
            Collections.reverse(opened);
            for (AutoCloseable c : opened) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> opened, T c) {
        opened.add(c);
        return c;
    }

    /** The system.toml that describes this view. */
    public Path config() {
        return config;
    }

    /** {@code [bootloader-options] boot-attempts}: boots a slot on trial gets. */
    public int bootAttempts() {
        return bootAttempts;
    }

    /** The scenario directory the view belongs to. */
    public Path dir() {
        return dir;
    }

    /** The block device of slot A or B. */
    public Path slot(String bootname) {
        return bootname.equals("A") ? slotA.device() : slotB.device();
    }

    /** The block device of the whole disk (where U-Boot's raw environment area is). */
    public Path wholeDisk() {
        return wholeDisk.device();
    }

    /** The boot partition's block device, when the platform mounts it. */
    public Optional<Path> bootPartition() {
        return Optional.ofNullable(bootPartition).map(LoopDevice::device);
    }

    /** Where the boot partition is mounted, when the platform mounts it. */
    public Optional<Path> bootMount() {
        return Optional.ofNullable(bootMount).map(Mount::point);
    }

    /** tandem's adapter for this disk's environment, storage wrapped by {@code cut}. */
    public BootloaderAdapter adapter(StorageCut cut) {
        return platform.adapter(this, cut);
    }

    @Override
    public void close() {
        RigException failure = null;
        for (AutoCloseable c : new AutoCloseable[] {bootMount, bootPartition, wholeDisk, slotB, slotA}) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new RigException("closing the device view: " + e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
