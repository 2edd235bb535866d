package dev.tandem.hardware.rig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A file system mounted by the rig, unmounted on close. */
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
        HostCommand.of("umount", point.toString()).ok();
    }
}
