package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.install.TestDevice;
import dev.tandem.install.http.FaultInjectingProxy;
import dev.tandem.install.http.RangeAccounting;
import dev.tandem.serve.StaticFileServer;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of {@code tandem install URL} in a child JVM at random points (fixed seed) of a 256 MiB install over HTTP
 * from {@link StaticFileServer}, each time rerun until done (ARCHITECTURE.md §4 "Resume", issue 4). The target is never
 * bootable in between; the final slot is byte-identical and pending; a resumed run never asks again for a chunk
 * that the slot already held when it started (at most 4 MiB per interruption); and the server's byte counter is
 * reported and bounded. The child talks to the server through a pass-through {@link FaultInjectingProxy} that
 * records every request's Range header. About 2-3 minutes on two shared cores: tagged slow.
 */
@Tag("slow")
class KillDuringInstallTest {

    static final long IMAGE_SIZE = 256L << 20;
    static final int CHUNK = 64 * 1024;
    static final RangeAccounting RANGES = new RangeAccounting(CHUNK, IMAGE_SIZE);
    static final int INSTALLS = 2;
    static final int KILLS_PER_INSTALL = 11;
    /** ARCHITECTURE.md §4: re-downloaded per interruption. Applied to the chunks the installer asks for again. */
    static final long MAX_REFETCH_PER_KILL = 4L << 20;
    /**
     * The server's counter per interruption, transport included: measured 16-22 MiB on loopback. Each interrupted
     * run abandons three open-ended responses with whatever the server's send queue (about 3.5 MiB here), the
     * kernel's receive buffer and the source's read-ahead (1 MiB) hold: the first GET where the reader seeks past
     * the block hints, the {@code bytes=N-} request for the .dat tar header that the chunk fetch drops, and the one
     * the kill cuts. Counted by the server, yet mostly never delivered; see the report for the fixes (HttpSource).
     */
    static final long MAX_SERVED_EXTRA_PER_KILL = 32L << 20;

    @TempDir
    Path dir;

    /** Totals of one install (all its runs). */
    static final class Tally {
        int kills;
        long refetched;
    }

    @Test
    void everyKillResumesAndTheSlotEndsByteIdentical() throws Exception {
        TestDevice device = TestDevice.create(dir.resolve("device"), IMAGE_SIZE + (4L << 20), "");
        Path www = Files.createDirectories(dir.resolve("www"));
        Path image = TestDevice.randomImage(dir.resolve("rootfs.img"), IMAGE_SIZE, 256);
        Path bundle = device.bundle("2.0.0", image, www.resolve("rootfs-2.0.0.tandem"));
        long bundleSize = Files.size(bundle);
        // A random image stores every chunk raw, back to back: chunk i sits at dataOffset + i * CHUNK.
        TestDevice.StoredChunk first = TestDevice.storedChunk(bundle, 0);
        assertThat(first.dataLength()).isEqualTo(IMAGE_SIZE);
        Random rnd = new Random(20261126L);
        List<String> report = new ArrayList<>();
        int totalKills = 0;
        double worstRefetch = 0;
        double worstServed = 0;

        try (StaticFileServer server = new StaticFileServer(www)) {
            int port = server.start(new InetSocketAddress("127.0.0.1", 0));
            try (FaultInjectingProxy proxy = FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", port))) {
                String url = proxy.url(bundle.getFileName().toString()).toString();
                for (int install = 0; install < INSTALLS; install++) {
                    resetTarget(device);
                    Path log = dir.resolve("child-" + install + ".log");
                    double[] points = new double[KILLS_PER_INSTALL];
                    for (int k = 0; k < points.length; k++) {
                        points[k] = 0.02 + 0.96 * rnd.nextDouble();
                    }
                    Arrays.sort(points);
                    long servedAtStart = server.bytesServed();
                    Tally tally = new Tally();
                    for (double point : points) {
                        long killAt = servedAtStart + (long) (point * bundleSize);
                        run(device, image, url, server, proxy, first.dataOffset(), killAt, log, tally);
                        assertThat(device.bootloader().state("B").bootable()).as("target bootable after a kill")
                                .isFalse();
                    }
                    run(device, image, url, server, proxy, first.dataOffset(), Long.MAX_VALUE, log, tally);
                    assertThat(TestDevice.firstDifference(device.slotB, image)).isEqualTo(-1);
                    assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
                    assertThat(device.bootloader().primary()).hasValue("B");
                    long served = server.bytesServed() - servedAtStart - bundleSize;
                    double servedPerKill = tally.kills == 0 ? 0 : served / (double) tally.kills;
                    double refetchPerKill = tally.kills == 0 ? 0 : tally.refetched / (double) tally.kills;
                    worstServed = Math.max(worstServed, servedPerKill);
                    worstRefetch = Math.max(worstRefetch, refetchPerKill);
                    totalKills += tally.kills;
                    report.add(String.format("install %d: %d kills at %s %% of the bundle; per interruption: chunks"
                                    + " asked for again %.2f MiB, server sent beyond the bundle %.2f MiB", install,
                            tally.kills, Arrays.toString(Arrays.stream(points).mapToLong(p -> Math.round(p * 100))
                                    .toArray()), refetchPerKill / 1048576.0, servedPerKill / 1048576.0));
                }
            }
        }
        report.forEach(System.out::println);
        assertThat(totalKills).isGreaterThanOrEqualTo(20);
        assertThat(worstRefetch).as("chunk bytes asked for again per interruption")
                .isLessThanOrEqualTo(MAX_REFETCH_PER_KILL);
        assertThat(worstServed).as("bytes served beyond the bundle per interruption")
                .isLessThanOrEqualTo(MAX_SERVED_EXTRA_PER_KILL);
    }

    /** A fresh target for the next install: slot B zeroed, its saved tables and status forgotten. */
    static void resetTarget(TestDevice device) throws IOException {
        TestDevice.makeSlotFile(device.slotB, Files.size(device.slotA));
        Files.deleteIfExists(device.dataDir.resolve("slots/rootfs.1.idx"));
        Files.deleteIfExists(device.dataDir.resolve("slots/rootfs.1.blk"));
        Files.deleteIfExists(device.dataDir.resolve("status.json"));
        Files.deleteIfExists(device.dataDir.resolve("file-bootloader.json"));
    }

    /**
     * Runs one install; kills it with SIGKILL once the server has sent {@code killAt} bytes in total, or expects
     * it to finish with exit 0. Counts the chunk bytes it asked for that the slot already held when it started.
     */
    static void run(TestDevice device, Path image, String url, StaticFileServer server, FaultInjectingProxy proxy,
                    long dataOffset, long killAt, Path log, Tally tally) throws IOException, InterruptedException {
        BitSet onDisk = chunksOnDisk(device.slotB, image);
        int requestsBefore = proxy.recorded().size();
        Process p = ChildTandem.start(List.of(), log, "install", url, "--config", device.configFile.toString(),
                "--progress=none");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (p.isAlive() && server.bytesServed() < killAt) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("install made no progress: " + Files.readString(log));
                }
                Thread.sleep(1);
            }
            if (p.isAlive() && killAt != Long.MAX_VALUE) {
                p.destroyForcibly();
                p.waitFor();
                tally.kills++;
            } else {
                assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).as(Files.readString(log)).isZero();
            }
        } finally {
            ChildTandem.kill(p);
        }
        List<FaultInjectingProxy.Recorded> requests = proxy.recorded();
        tally.refetched += RANGES.askedAgain(requests.subList(requestsBefore, requests.size()), dataOffset, onDisk);
    }

    /** The chunks of the slot that already hold the image's bytes. */
    static BitSet chunksOnDisk(Path slot, Path image) throws IOException {
        try (InputStream s = Files.newInputStream(slot); InputStream i = Files.newInputStream(image)) {
            return RANGES.chunksOnDisk(s, i);
        }
    }
}
