package dev.tandem.hardware.rig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file system mounted by the rig, unmounted on close.
 *
 * <p>Any process that makes a new mount namespace while this mount exists gets its own copy of it, which keeps
 * the file system alive after the rig's unmount; writes that were still cached would then reach the disk image
 * late, or never before the rig copies or boots it. So close() syncs the file system before it unmounts: whatever
 * another namespace still holds, the image already has every byte. (The rig's own namespaces drop foreign mounts
 * at once, see {@link TandemProcess#asGuest}; {@link LoopDevice#close} waits until the device is released.)
 */
public final class Mount implements AutoCloseable {

    private final Path point;

    private Mount(Path point) {
        this.point = point;
    }

    /** Mounts {@code device} ({@code type}) on {@code point}, creating the directory. */
    public static Mount of(Path device, String type, Path point) {
        return mount(device, type, point, "rw");
    }

    /** Mounts read-only: the file system writes nothing (no mount count, no superblock on unmount). */
    public static Mount readOnly(Path device, String type, Path point) {
        return mount(device, type, point, "ro");
    }

    private static Mount mount(Path device, String type, Path point, String options) {
        try {
            Files.createDirectories(point);
        } catch (IOException e) {
            throw new RigException("mkdir " + point + ": " + e.getMessage(), e);
        }
        HostCommand.of("mount", "-t", type, "-o", options, device.toString(), point.toString()).ok();
        return new Mount(point);
    }

    public Path point() {
        return point;
    }

    @Override
    public void close() {
        HostCommand.of("sync", "-f", point.toString()).ok();
        HostCommand.of("umount", point.toString()).ok();
    }
}
