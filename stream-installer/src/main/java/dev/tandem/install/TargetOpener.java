package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.DurableFile;
import dev.tandem.storage.FileBlockTarget;
import dev.tandem.storage.linux.BlockDevice;
import dev.tandem.storage.linux.NativeIoException;
import dev.tandem.slot.DeviceNumber;
import dev.tandem.slot.MountTable;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.Slot;
import dev.tandem.slot.SlotIoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Opens slots for writing and reading, after the checks that must run on the device itself: a target must
 * exist, must not share a single byte with a protected slot (the booted group) under whatever name, must not be
 * mounted or held, and must be large enough. The slot manager already refuses the booted slot by name; this
 * catches the same device reached another way (a symlink, the whole disk, a second loop device). Tests wrap the
 * targets it opens to record what is written.
 */
final class TargetOpener {

    private final Path mountinfo;
    private final UnaryOperator<BlockTarget> targets;
    private final UnaryOperator<DurableFile> durables;
    private final UnaryOperator<SavedTables.Disk> tableDisk;
    private final Path sysDevBlock = DeviceExtent.SYS_DEV_BLOCK;

    TargetOpener(Path mountinfo) {
        this(mountinfo, UnaryOperator.identity());
    }

    /** Tests: every target opened for writing passes through {@code targets} (recording, power-cut wrappers). */
    TargetOpener(Path mountinfo, UnaryOperator<BlockTarget> targets) {
        this(mountinfo, targets, UnaryOperator.identity());
    }

    /** Tests: the install's own durable files (the journal) pass through {@code durables} too (power cuts). */
    TargetOpener(Path mountinfo, UnaryOperator<BlockTarget> targets, UnaryOperator<DurableFile> durables) {
        this(mountinfo, targets, durables, UnaryOperator.identity());
    }

    /** Tests: the saved tables' writes pass through {@code tableDisk} too (power cuts). */
    TargetOpener(Path mountinfo, UnaryOperator<BlockTarget> targets, UnaryOperator<DurableFile> durables,
                 UnaryOperator<SavedTables.Disk> tableDisk) {
        this.mountinfo = mountinfo;
        this.targets = targets;
        this.durables = durables;
        this.tableDisk = tableDisk;
    }

    /** A durable file the install writes besides the targets ({@code install.json}). */
    DurableFile durable(Path file) {
        return durables.apply(DurableFile.at(file));
    }

    /** The saved tables in {@code dir} ({@code <data-dir>/slots}). */
    SavedTables tables(Path dir) {
        return new SavedTables(dir, tableDisk.apply(SavedTables.Disk.REAL));
    }

    TargetOpener() {
        this(MountTable.PROC_MOUNTINFO);
    }

    /** Size of a slot's device (BLKGETSIZE64) or file in bytes; never {@code Files.size()}, which is 0 for a device. */
    long size(Slot slot) {
        Path p = slot.device();
        if (!Files.exists(p)) {
            throw new SlotIoException("slot " + slot.name() + ": " + p + " does not exist");
        }
        try {
            return BlockDevice.sizeOf(p);
        } catch (IOException e) {
            throw new SlotIoException("slot " + slot.name() + ": cannot open " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a target that shares storage with a protected slot or is mounted, before the install marks it
     * writing: a refusal must change nothing (the slot may be the fallback someone mounted to look at).
     * {@link #openTarget} checks the mount again on the device.
     *
     * @param protectedSlots slots that must not be touched: the booted group
     */
    void requireSafeTarget(Slot slot, java.util.List<Slot> protectedSlots) {
        requireNoOverlap(slot, protectedSlots);
        requireNotMounted(slot);
    }

    private void requireNotMounted(Slot slot) {
        Path p = slot.device();
        Optional<DeviceNumber> dev = DeviceNumber.ofBlockDevice(p);
        if (dev.isPresent() && Files.isReadable(mountinfo)) {
            Optional<String> mountPoint = MountTable.read(mountinfo).mountPointOf(dev.get());
            if (mountPoint.isPresent()) {
                throw new PolicyException(PolicyException.Reason.TARGET_MOUNTED, "slot " + slot.name() + ": "
                        + p + " is mounted on " + mountPoint.get() + "; unmount it first");
            }
        }
    }

    /** Opens a target for writing {@code imageSize} bytes. */
    BlockTarget openTarget(Slot slot, long imageSize) {
        Path p = slot.device();
        requireNotMounted(slot);
        long size = size(slot);
        if (size < imageSize) {
            throw new PolicyException(PolicyException.Reason.TOO_SMALL, "slot " + slot.name() + ": " + p + " holds "
                    + size + " bytes, the image needs " + imageSize);
        }
        try {
            return targets.apply(BlockDevice.open(p));
        } catch (NativeIoException e) {
            if (BlockDevice.isBusy(e)) {
                throw new PolicyException(PolicyException.Reason.TARGET_BUSY, "slot " + slot.name() + ": " + p
                        + " is in use (mounted or held by another program): " + e.getMessage());
            }
            throw new SlotIoException("slot " + slot.name() + ": cannot open " + p + " for writing: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new SlotIoException("slot " + slot.name() + ": cannot open " + p + " for writing: " + e.getMessage(), e);
        }
    }

    private void requireNoOverlap(Slot target, java.util.List<Slot> protectedSlots) {
        DeviceExtent mine;
        try {
            mine = DeviceExtent.of(target.device(), sysDevBlock);
        } catch (IOException e) {
            throw new SlotIoException("slot " + target.name() + ": cannot examine " + target.device() + ": "
                    + e.getMessage(), e);
        }
        for (Slot other : protectedSlots) {
            try {
                if (mine.overlaps(DeviceExtent.of(other.device(), sysDevBlock))) {
                    throw new PolicyException(PolicyException.Reason.TARGET_BOOTED, "slot " + target.name() + ": "
                            + target.device() + " is the same storage as the booted slot " + other.name() + " ("
                            + other.device() + "); refusing to write it");
                }
            } catch (IOException e) {
                // A protected slot we cannot examine cannot be written by us either; say so rather than guess.
                throw new SlotIoException("slot " + other.name() + ": cannot examine " + other.device() + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** Opens a slot for reading only (the local source of reused chunks). */
    BlockTarget openLocal(Slot slot) {
        try {
            return FileBlockTarget.openReadOnly(slot.device());
        } catch (IOException e) {
            throw new SlotIoException("slot " + slot.name() + ": cannot read " + slot.device() + ": " + e.getMessage(), e);
        }
    }
}
