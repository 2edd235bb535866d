package dev.tandem.agent.managed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tandem.agent.DownloadPolicy;
import dev.tandem.install.http.Fault;
import dev.tandem.install.http.FaultInjectingProxy;
import dev.tandem.install.http.RangeAccounting;
import dev.tandem.serve.StaticFileServer;
import dev.tandem.slot.state.SlotState;
import dev.tandem.testsupport.RawHttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download policy in the managed agent (README.md "Download policy"), against a real HTTP file server
 * ({@code tandem serve}'s {@link StaticFileServer}, which counts the bytes it sends) behind a pass-through proxy:
 * a pause stops a running download and holds across an agent restart, resume goes on where it stopped, and a
 * metered link holds every download until the check says unmetered.
 */
class ManagedAgentDownloadPolicyTest {

    private static final Duration BOUND = Duration.ofSeconds(120);
    private static final int IMAGE = 24 << 20;
    /** ARCHITECTURE.md §4: at most this much downloaded again per interruption. */
    private static final long ONE_WINDOW = 4L << 20;
    private static final int CHUNK = 64 * 1024;
    private static final RangeAccounting RANGES = new RangeAccounting(CHUNK, IMAGE);
    /**
     * Where the proxy holds the download for a moment: 6 MiB into the first response that long. Downloads come in
     * bounded windows (ARCHITECTURE.md §4), so no response carries the whole image; the first that reaches 6 MiB
     * is a chunk batch, with more than one resume window of the image written before it.
     */
    private static final long STALL_AT = 6L << 20;
    /**
     * What the server may send beyond what the slot lacked: every request asks for a bounded window, so nothing
     * but response headers and the bundle's first window comes on top (it was 11 MiB with an open-ended first GET).
     */
    private static final long ABANDONED_HEADER_READ = 64L << 10;
    private static final double MIB = 1024.0 * 1024.0;

    @TempDir
    Path dir;

    @Test
    void pauseStopsTheDownloadAcrossARestartAndResumeFetchesAtMostOneWindowAgain() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        try (StaticFileServer files = new StaticFileServer(www)) {
            InetSocketAddress origin = new InetSocketAddress("127.0.0.1",
                    files.start(new InetSocketAddress("127.0.0.1", 0)));
            // The stall holds the download in the middle long enough for the pause to be seen while it runs.
            Fault stall = Fault.stallAfter(STALL_AT, Duration.ofSeconds(4)).times(1);
            try (FaultInjectingProxy proxy = FaultInjectingProxy.start(origin, stall);
                 FakeDdi d = device(proxy, "")) {
                long bundleSize = Files.size(www.resolve("b.tandem"));
                d.start();
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> stall.fired() > 0,
                        "the download to be under way"));
                assertThat(DownloadPolicy.pause(d.device.dataDir, Instant.now())).isTrue();
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> d.hasLine("download stopped"),
                        "the download to stop"));
                assertThat(d.device.slot("rootfs.1").state()).isNotEqualTo(SlotState.PENDING);

                // Restart the agent, as after a reboot: the flag holds, nothing is downloaded.
                d.agent.stop();
                d.lines.clear();
                long servedWhilePaused = files.bytesServed();
                d.start();
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> d.hasLine("download waits: paused"),
                        "the restarted agent to wait"));
                Thread.sleep(1500);
                assertThat(files.bytesServed()).as("bytes sent while paused").isEqualTo(servedWhilePaused);

                // What the resume must still fetch: the bundle less the image chunks already in the slot.
                BitSet onDisk = chunksOnDisk(d.device.dir.resolve("rootfs-b.img"));
                long missing = bundleSize - (long) onDisk.cardinality() * CHUNK;
                long servedAtResume = files.bytesServed();
                int requestsAtResume = proxy.recorded().size();
                assertThat(DownloadPolicy.resume(d.device.dataDir)).isTrue();
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> d.hasLine("action 7: installed 2.0.0"),
                        "the resumed install to finish"));
                assertThat(d.device.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
                assertThat(d.hasLine("resumed")).as("the install resumed").isTrue();
                long afterResume = files.bytesServed() - servedAtResume;
                long dataOffset = dev.tandem.install.TestDevice.storedChunk(www.resolve("b.tandem"), 0).dataOffset();
                long askedAgain = RANGES.askedAgain(proxy.recorded().subList(requestsAtResume,
                        proxy.recorded().size()), dataOffset, onDisk);
                System.out.printf("pause/restart/resume: bundle %.2f MiB, %.2f MiB of its image in the slot at the"
                                + " stop; server sent %.2f MiB before the stop, %.2f MiB after the resume (%.2f MiB"
                                + " beyond what the slot lacked); chunk bytes the resume asked for again: %.2f MiB%n",
                        bundleSize / MIB, onDisk.cardinality() * (double) CHUNK / MIB, servedWhilePaused / MIB,
                        afterResume / MIB, (afterResume - missing) / MIB, askedAgain / MIB);
                assertThat(onDisk.cardinality() * (long) CHUNK).as("the stop came after more than one window")
                        .isGreaterThan(ONE_WINDOW);
                assertThat(askedAgain).as("chunk bytes asked for again").isLessThanOrEqualTo(ONE_WINDOW);
                assertThat(afterResume - missing).as("bytes the server sent after the resume beyond what the slot"
                        + " lacked").isLessThanOrEqualTo(ONE_WINDOW + ABANDONED_HEADER_READ);
            }
        }
    }

    @Test
    void aMeteredLinkHoldsTheDownloadUntilTheCheckSaysUnmetered() throws Exception {
        Path flag = dir.resolve("metered");
        Files.writeString(flag, "");
        Path check = dir.resolve("is-metered");
        Files.writeString(check, "#!/bin/sh\ntest -e '" + flag + "'\n");
        Files.setPosixFilePermissions(check, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path www = Files.createDirectories(dir.resolve("www"));
        try (StaticFileServer files = new StaticFileServer(www)) {
            InetSocketAddress origin = new InetSocketAddress("127.0.0.1",
                    files.start(new InetSocketAddress("127.0.0.1", 0)));
            try (FaultInjectingProxy proxy = FaultInjectingProxy.start(origin);
                 FakeDdi d = device(proxy, "[download]\nmetered-check = [\"" + check + "\"]\n")) {
                d.start();
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND,
                        () -> d.hasLine("download waits: metered-check says the link is metered"), "the agent to wait"));
                Thread.sleep(1500);
                assertThat(files.bytesServed()).as("bytes sent on a metered link").isZero();
                Files.delete(flag);
                assertTimeoutPreemptively(BOUND, () -> d.await(BOUND, () -> d.device.slot("rootfs.1").state()
                        == SlotState.PENDING, "the install once unmetered"));
            }
        }
    }

    /** Image chunks the slot already holds: the bundle's image is TestDevice's random bytes for "2.0.0". */
    private static BitSet chunksOnDisk(Path slot) throws IOException {
        byte[] image = new byte[IMAGE];
        new Random("2.0.0".hashCode()).nextBytes(image);
        try (InputStream have = Files.newInputStream(slot)) {
            return RANGES.chunksOnDisk(have, new ByteArrayInputStream(image));
        }
    }

    /**
     * A device whose fake DDI server offers one deployment of a 24 MiB bundle served by {@code proxy}'s origin
     * (written into the origin's root as {@code b.tandem}).
     */
    private FakeDdi device(FaultInjectingProxy proxy, String extraToml) throws IOException {
        Path ddiDir = Files.createDirectories(dir.resolve("device"));
        String[] href = new String[1];
        long[] size = new long[1];
        RawHttpServer ddi = new RawHttpServer(FakeDdi.ddi(
                (req, out) -> FakeDdi.json(out, FakeDdi.pollWith("deploymentBase", "http://" + req.header("Host")
                        + FakeDdi.BASE + "/deploymentBase/7")),
                (req, out) -> FakeDdi.json(out, "{\"id\":\"7\",\"deployment\":{\"download\":\"forced\","
                        + "\"update\":\"forced\",\"chunks\":[{\"part\":\"os\",\"version\":\"2\",\"name\":\"rootfs\","
                        + "\"artifacts\":[{\"filename\":\"b.tandem\",\"size\":" + size[0] + ",\"_links\":{"
                        + "\"download-http\":{\"href\":\"" + href[0] + "\"}}}]}]}}")));
        FakeDdi d = new FakeDdi(ddiDir, ddi, "allow-foreign-artifact-hosts = true\n" + extraToml);
        Path bundle = d.device.bundle("2.0.0", IMAGE);
        Path www = dir.resolve("www");
        Files.move(bundle, www.resolve("b.tandem"));
        size[0] = Files.size(www.resolve("b.tandem"));
        href[0] = proxy.url("b.tandem").toString();
        return d;
    }
}
