package dev.tandem.install.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallResult;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.TestDevice;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole installs from a real nginx on loopback (its own config and ports): plain HTTP, HTTPS trusted through
 * system.toml's {@code [http] ca-file}, and an adaptive update whose changed chunks come as multi-range requests.
 */
class InstallFromNginxTest {

    static final long IMAGE_SIZE = 24L << 20;
    static final int CHUNK = 64 * 1024;
    static final int CHANGED_CHUNKS = 24;
    /** The scattered update's chunk size and its pattern: every third chunk rewritten, one run each. */
    static final int SCATTER_CHUNK = 16 * 1024;
    static final int SCATTER_EVERY = 3;
    static final int SCATTERED_RUNS = (int) (IMAGE_SIZE / SCATTER_CHUNK / SCATTER_EVERY);

    @TempDir
    static Path shared;
    static NginxServer nginx;
    static TestCa ca;
    static Path pki;
    static Path v1;
    static Path v2;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(NginxServer.binary() != null, "nginx is not installed (apt-get install nginx-light)");
        assumeTrue(TestCa.opensslAvailable(), "openssl CLI is not installed");
        Path www = Files.createDirectories(shared.resolve("www"));
        pki = TestDevice.makePki(shared.resolve("pki"));
        TestDevice signer = TestDevice.create(shared.resolve("signer"), pki, f -> f, 0, "");
        v1 = TestDevice.imageWithZeroRegions(shared.resolve("v1.img"), IMAGE_SIZE, 41);
        v2 = changeChunks(v1, shared.resolve("v2.img"));
        signer.bundle("1.0.0", v1, www.resolve("v1.tandem"));
        signer.bundle("2.0.0", v2, www.resolve("v2.tandem"));
        Path scattered = scatterChanges(v1, shared.resolve("v3.img"));
        signer.bundle("1.0.0").chunkSize(SCATTER_CHUNK).image("rootfs", "rootfs", v1)
                .write(www.resolve("v1-16k.tandem"));
        signer.bundle("3.0.0").chunkSize(SCATTER_CHUNK).image("rootfs", "rootfs", scattered)
                .write(www.resolve("v3-16k.tandem"));
        ca = TestCa.create(shared.resolve("tls"));
        nginx = NginxServer.start(www, shared.resolve("nginx"), ca);
    }

    @AfterAll
    static void stop() {
        if (nginx != null) {
            nginx.close();
        }
    }

    /** A copy of {@code image} with {@link #CHANGED_CHUNKS} chunks spread over it replaced by other random bytes. */
    static Path changeChunks(Path image, Path out) throws IOException {
        Files.copy(image, out, StandardCopyOption.REPLACE_EXISTING);
        SplittableRandom rnd = new SplittableRandom(99);
        byte[] data = new byte[CHUNK];
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
            for (int k = 0; k < CHANGED_CHUNKS; k++) {
                long chunk = (k * 13L + 5) % (IMAGE_SIZE / CHUNK);
                for (int i = 0; i < data.length; i++) {
                    data[i] = (byte) rnd.nextInt();
                }
                ch.write(ByteBuffer.wrap(data), chunk * CHUNK);
            }
        }
        return out;
    }

    /**
     * A copy of {@code image} with every {@link #SCATTER_EVERY}th {@link #SCATTER_CHUNK}-byte chunk replaced by
     * other random bytes: the changed chunks are scattered over the whole image, as after a fresh mkfs.
     */
    static Path scatterChanges(Path image, Path out) throws IOException {
        Files.copy(image, out, StandardCopyOption.REPLACE_EXISTING);
        SplittableRandom rnd = new SplittableRandom(7);
        byte[] data = new byte[SCATTER_CHUNK];
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
            for (long chunk = 1; chunk < IMAGE_SIZE / SCATTER_CHUNK; chunk += SCATTER_EVERY) {
                rnd.nextBytes(data);
                ch.write(ByteBuffer.wrap(data), chunk * SCATTER_CHUNK);
            }
        }
        return out;
    }

    InstallResult install(TestDevice device, String url, boolean reuseLocal) throws IOException {
        return install(device, url, reuseLocal, InstallOptions.defaults());
    }

    InstallResult install(TestDevice device, String url, boolean reuseLocal, InstallOptions flags)
            throws IOException {
        HttpOptions options = HttpOptions.of(device.config().http(), Map.of());
        try (HttpSource source = HttpSource.open(URI.create(url), options)) {
            return device.installer(InstallSettings.defaults().withReuseLocal(reuseLocal)).install(source, flags,
                    InstallListener.NONE);
        }
    }

    /** What tandem counts may differ from what nginx sent by response headers and one small leftover window. */
    static final long WIRE_SLACK = 64 * 1024;

    /** Installs from nginx over plain HTTP and checks that nginx sent no more than tandem counted. */
    InstallResult installCountingTheWire(TestDevice device, String file, InstallOptions flags) throws IOException {
        return installCountingTheWire(device, URI.create("http://127.0.0.1:" + nginx.httpPort + "/" + file), flags);
    }

    /**
     * The same from any of nginx's URLs. Over HTTPS nginx's {@code $bytes_sent} counts the plaintext it handed to
     * TLS, so the bound compares like with like (TLS records add their own overhead on the wire).
     */
    InstallResult installCountingTheWire(TestDevice device, URI url, InstallOptions flags) throws IOException {
        long sentBefore = nginx.bytesSent();
        InstallResult r = install(device, url.toString(), true, flags);
        long sent = nginx.bytesSent() - sentBefore;
        System.out.printf("%s from nginx: nginx sent %d bytes, tandem counted %d%n", url, sent, r.downloaded());
        assertThat(sent).as("bytes nginx sent (tandem counted %d)", r.downloaded())
                .isLessThanOrEqualTo(r.downloaded() + WIRE_SLACK);
        return r;
    }

    @Test
    void installsOverPlainHttp() throws IOException {
        TestDevice device = TestDevice.create(dir, pki, f -> f, 32L << 20, "");
        InstallResult r = installCountingTheWire(device, "v1.tandem", InstallOptions.defaults());
        assertThat(TestDevice.slotHolds(device.slotB, v1)).isTrue();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
        // The bundle once, plus at most 1 MiB of windows read through where the reader skips the block hints
        // (a loose bound: windows follow the reader's hints), plus the hints of the chunks not found on slot A
        // (fetched by range to look for their blocks there; at most the whole .blk entry).
        long size = Files.size(shared.resolve("www/v1.tandem"));
        long allHints = 8L * (64 * 1024 / 4096) * (IMAGE_SIZE / (64 * 1024));
        assertThat(r.downloaded()).isBetween(size - (1L << 20), size + (1L << 20) + allHints);
    }

    @Test
    void anUnchangedImageCostsAlmostNothingOnTheWire() throws IOException {
        TestDevice device = TestDevice.create(dir, pki, f -> f, 32L << 20, "");
        install(device, "http://127.0.0.1:" + nginx.httpPort + "/v1.tandem", true);
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
        DeviceSlots slots = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "mark-good")) {
            slots.markGood(slots.booted());
        }
        long sentBefore = nginx.bytesSent();

        InstallResult r = installCountingTheWire(device, "v1.tandem", new InstallOptions(false, true, false, false,
                false));

        assertThat(TestDevice.slotHolds(device.slotA, v1)).isTrue();
        assertThat(r.reused()).isGreaterThan(IMAGE_SIZE / 2);
        assertThat(nginx.bytesSent() - sentBefore).isLessThanOrEqualTo(250_000);
    }

    @Test
    void installsOverHttpsTrustingTheTestCaFromSystemToml() throws IOException {
        TestDevice device = TestDevice.create(dir, pki, f -> f, 32L << 20,
                "[http]\nca-file = \"" + ca.caCert + "\"\n");
        installCountingTheWire(device, URI.create("https://localhost:" + nginx.httpsPort + "/v1.tandem"),
                InstallOptions.defaults());
        assertThat(TestDevice.slotHolds(device.slotB, v1)).isTrue();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
    }

    @Test
    void refusesHttpsWithoutTheTestCa() throws IOException {
        TestDevice device = TestDevice.create(dir, pki, f -> f, 32L << 20, "");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> install(device, "https://localhost:"
                + nginx.httpsPort + "/v1.tandem", true))
                .isInstanceOfSatisfying(SourceException.class,
                        e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.TLS));
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
    }

    @Test
    void anUpdateDownloadsOnlyTheChangedChunksAsMultiRangeRequests() throws IOException {
        TestDevice device = TestDevice.create(dir, pki, f -> f, 32L << 20, "");
        install(device, "http://127.0.0.1:" + nginx.httpPort + "/v1.tandem", true);
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
        DeviceSlots slots = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "mark-good")) {
            slots.markGood(slots.booted());
        }
        long servedBefore = nginx.bytesServed();

        InstallResult r = installCountingTheWire(device, "v2.tandem", InstallOptions.defaults());

        assertThat(TestDevice.slotHolds(device.slotA, v2)).isTrue();
        assertThat(device.state(TestDevice.SLOT_A)).isEqualTo(SlotState.PENDING);
        long served = nginx.bytesServed() - servedBefore;
        TestDevice.StoredChunk first = TestDevice.storedChunk(shared.resolve("www/v2.tandem"), 0);
        long header = first.dataOffset();
        // The changed chunks, the header up to the first stored chunk, their part headers, and the hints.
        long bound = header + CHANGED_CHUNKS * (CHUNK + 1024L) + (1L << 20);
        System.out.printf("adaptive update from nginx: downloaded %d bytes (nginx logged %d), reused %d%n",
                r.downloaded(), served, r.reused());
        assertThat(served).isLessThan(bound);
        assertThat(r.reused()).isGreaterThan(IMAGE_SIZE / 2);
        assertThat(Files.readString(shared.resolve("nginx/access.log"))).contains("\" 206 ");
    }

    @Test
    void scatteredChangedChunksGoAsMultiRangeRequestsAndNginxSendsNoMoreThanTandemCounts() throws IOException {
        TestDevice device = TestDevice.create(dir, pki, f -> f, 32L << 20, "");
        install(device, "http://127.0.0.1:" + nginx.httpPort + "/v1-16k.tandem", true);
        assertThat(device.bootloader().simulateBoot()).hasValue("B");
        DeviceSlots slots = device.slots();
        try (DataDirLock lock = DataDirLock.acquire(device.dataDir, "mark-good")) {
            slots.markGood(slots.booted());
        }
        int requestsBefore = nginx.requests().size();

        InstallResult r = installCountingTheWire(device, "v3-16k.tandem", InstallOptions.defaults());

        assertThat(TestDevice.slotHolds(device.slotA, shared.resolve("v3.img"))).isTrue();
        int requests = nginx.requests().size() - requestsBefore;
        System.out.printf("scattered update from nginx: %d runs of changed chunks, %d requests, downloaded %d, "
                + "reused %d%n", SCATTERED_RUNS, requests, r.downloaded(), r.reused());
        // One request a run would cost a response header each (about 300 bytes) that tandem does not count.
        assertThat(requests).as("requests for %d scattered runs", SCATTERED_RUNS).isLessThan(SCATTERED_RUNS / 8);
        // The changed chunks (stored raw: random bytes do not compress), the bundle's header, and no gaps.
        long changed = (long) SCATTERED_RUNS * SCATTER_CHUNK;
        long header = TestDevice.storedChunk(shared.resolve("www/v3-16k.tandem"), 0).dataOffset();
        assertThat(r.downloaded()).isLessThan(header + changed + changed / 20 + (256L << 10));
    }
}
