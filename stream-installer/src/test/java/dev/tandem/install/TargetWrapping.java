package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.DurableFile;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.MountTable;
import java.util.function.UnaryOperator;

/**
 * Test bridge to the installer's package-private seam: an {@link Installer} whose write targets pass through
 * a wrapper (a recording target, a power-cut simulator, a crash hook), for the crash and hostile packages.
 */
public final class TargetWrapping {

    private TargetWrapping() {
    }

    public static Installer installer(DeviceSlots slots, InstallSettings settings, UnaryOperator<BlockTarget> wrap) {
        return new Installer(slots, settings, new TargetOpener(MountTable.PROC_MOUNTINFO, wrap));
    }

    /** Also the install's journal ({@code install.json}) passes through {@code durable}: every durable write. */
    public static Installer installer(DeviceSlots slots, InstallSettings settings, UnaryOperator<BlockTarget> wrap,
                                      UnaryOperator<DurableFile> durable) {
        return new Installer(slots, settings, new TargetOpener(MountTable.PROC_MOUNTINFO, wrap, durable));
    }

    /** Also the saved tables ({@code <data-dir>/slots/*.idx, *.blk}) pass through {@code tables}. */
    public static Installer installer(DeviceSlots slots, InstallSettings settings, UnaryOperator<BlockTarget> wrap,
                                      UnaryOperator<DurableFile> durable, UnaryOperator<SavedTables.Disk> tables) {
        return new Installer(slots, settings, new TargetOpener(MountTable.PROC_MOUNTINFO, wrap, durable, tables));
    }
}
