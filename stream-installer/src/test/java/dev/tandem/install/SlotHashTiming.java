package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.FileBlockTarget;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Times {@link SlotReader#hashSlot} on a file, as an install does for a factory-flashed slot A (issue 16, target 3).
 * Not a test: run it by hand, one hashing per JVM (as in an install), e.g.
 * {@code java -cp ... dev.tandem.install.SlotHashTiming /var/tmp/slot-a.img 65536 2} (file, chunk size, workers, rounds). Prints wall and process CPU
 * seconds of the hashing alone.
 */
public final class SlotHashTiming {

    public static void main(String[] args) throws Exception {
        Path slot = Path.of(args[0]);
        int chunkSize = args.length > 1 ? Integer.parseInt(args[1]) : 64 * 1024;
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        long size = Files.size(slot);
        Path dir = Files.createTempDirectory("slot-hash-timing");
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        for (int r = 0; r < rounds; r++) {
            time(slot, size, chunkSize, workers, dir);
        }
    }

    private static void time(Path slot, long size, int chunkSize, int workers, Path dir) throws Exception {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        SavedTables tables = new SavedTables(dir);
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        try (BlockTarget in = FileBlockTarget.openReadOnly(slot);
             SavedTables.Builder b = tables.builder("A", size, chunkSize)) {
            SlotReader.hashSlot(in, size, chunkSize, workers, b);
        }
        long wall = System.nanoTime() - t0;
        long cpu = os.getProcessCpuTime() - cpu0;
        System.out.printf("hashed %d bytes: %.2f s wall, %.2f CPU-s%n", size, wall / 1e9, cpu / 1e9);
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }
}
