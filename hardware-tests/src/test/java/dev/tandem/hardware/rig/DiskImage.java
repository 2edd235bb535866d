package dev.tandem.hardware.rig;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds sparse disk image files without root: sfdisk on the file, {@code dd} of parts at byte offsets. */
public final class DiskImage {

    private DiskImage() {
    }

    /** A sparse file of the layout's size with its MBR partition table. */
    public static void create(Path disk, DiskLayout layout, String bootType) throws IOException {
        Files.deleteIfExists(disk);
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(layout.diskSize());
        }
        HostCommand.of("sfdisk", "-q", "--no-reread", "--no-tell-kernel", disk.toString())
                .stdin(layout.sfdiskScript(bootType)).ok();
    }

    /** Writes {@code part} into {@code disk} at {@code offset}, leaving zero blocks as holes. */
    public static void write(Path disk, long offset, Path part) {
        HostCommand.of("dd", "if=" + part, "of=" + disk, "bs=1M", "oflag=seek_bytes", "seek=" + offset,
                "conv=notrunc,sparse", "status=none").ok();
    }

    /** Writes the first {@code length} bytes of {@code part} into {@code disk} at {@code offset}. */
    public static void writeHead(Path disk, long offset, Path part, int length) {
        HostCommand.of("dd", "if=" + part, "of=" + disk, "bs=" + length, "count=1", "oflag=seek_bytes",
                "seek=" + offset, "conv=notrunc", "status=none").ok();
    }

    /** A sparse copy of a disk image. */
    public static void copy(Path from, Path to) {
        HostCommand.of("cp", "--sparse=always", from.toString(), to.toString()).ok();
    }
}
