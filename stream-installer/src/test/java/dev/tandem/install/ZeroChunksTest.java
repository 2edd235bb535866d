package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero chunks (ARCHITECTURE.md §4 "Adaptive" step 1): runs of them are zeroed with one call per run (a punched hole in a
 * file slot, BLKZEROOUT on a device), never downloaded, and the slot reads back as zeros whatever it held.
 */
class ZeroChunksTest {

    private static final int SIZE = 16 << 20;

    @TempDir
    Path dir;

    @Test
    void runsOfZeroChunksOverwriteOldDataWithoutDownloadingIt() throws Exception {
        ReuseDevice device = ReuseDevice.create(dir, SIZE);
        // New image: data at the start, in the middle and at the end, zeros elsewhere.
        byte[] image = new byte[SIZE];
        for (int at : new int[] {0, SIZE / 2, SIZE - (1 << 20)}) {
            System.arraycopy(ReuseDevice.halfRandom(1 << 20, at), 0, image, at, 1 << 20);
        }
        Path img = Files.write(dir.resolve("v2.img"), image);
        // Slot B holds old data everywhere: the zero runs must really clear it.
        Files.write(device.slotB, ReuseDevice.random(SIZE, 99));
        Path bundle = device.bundle(img, "2.0.0", 64 * 1024);

        InstallResult r = device.install(bundle, false);

        ReuseDevice.Layout layout = ReuseDevice.layout(bundle);
        assertThat(ReuseDevice.sha256(device.slotB, SIZE)).isEqualTo(ReuseDevice.sha256(img, SIZE));
        assertThat(r.downloaded()).isLessThanOrEqualTo(layout.container() + layout.storedTotal());
        assertThat(r.images().get(0).zeroed()).isEqualTo(SIZE - 3L * (1 << 20));
        // A file slot keeps its zeros as holes: 13 MiB punched, so far less than 16 MiB allocated.
        assertThat(allocatedBytes(device.slotB)).isLessThan(SIZE / 2);
        try (FileChannel ch = FileChannel.open(device.slotB, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            ch.read(b, SIZE / 4);
            assertThat(b.array()).containsOnly(0);
        }
    }

    /** Bytes the file system allocated to a file ({@code stat %b × %B}; the JDK does not expose it). */
    private static long allocatedBytes(Path p) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).start();
        String[] f = new String(stat.getInputStream().readAllBytes()).trim().split(" ");
        assertThat(stat.waitFor()).isZero();
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }
}
