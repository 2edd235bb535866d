package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.install.TestDevice;
import dev.tandem.install.http.Fault;
import dev.tandem.install.http.FaultInjectingProxy;
import dev.tandem.serve.StaticFileServer;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem install}, {@code activate} and {@code status} on a file-slot device, from files, pipes and HTTP. */
class InstallCommandTest {

    static final long IMAGE_SIZE = (12L << 20) + 4321;
    static final int CHUNK = 64 * 1024;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    TestDevice device;
    Path image;
    Path bundle;

    @BeforeEach
    void makeDevice() throws IOException {
        device = TestDevice.create(dir.resolve("device"), 16L << 20,
                "[http]\nretries = 2\nstall-timeout = \"2s\"\n");
        image = TestDevice.imageWithZeroRegions(dir.resolve("v2.img"), IMAGE_SIZE, 12);
        bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
    }

    Tandem.Result tandem(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--config";
        all[args.length + 1] = device.configFile.toString();
        return Tandem.run(all);
    }

    JsonNode status() throws IOException {
        Tandem.Result r = tandem("status", "--json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return JSON.readTree(r.out());
    }

    static JsonNode slot(JsonNode status, String name) {
        for (JsonNode s : status.get("slots")) {
            if (s.get("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no slot " + name + " in " + status);
    }

    @Test
    void installsAndStatusJsonShowsTheNewSlotPendingAndPrimary() throws IOException {
        JsonNode before = status();
        assertThat(before.get("booted").asText()).isEqualTo(TestDevice.SLOT_A);
        assertThat(slot(before, TestDevice.SLOT_B).get("state").asText()).isEqualTo("empty");

        Tandem.Result r = tandem("install", bundle.toString(), "--progress=none");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("installed rootfs -> rootfs.1").contains("try-once set");
        assertThat(r.err()).isEmpty();
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        JsonNode after = status();
        assertThat(after.get("primary").asText()).isEqualTo(TestDevice.SLOT_B);
        JsonNode b = slot(after, TestDevice.SLOT_B);
        assertThat(b.get("state").asText()).isEqualTo("pending");
        assertThat(b.get("version").asText()).isEqualTo("2.0.0");
        assertThat(b.at("/bootloader/bootable").asBoolean()).isTrue();
    }

    @Test
    void noActivateThenActivate() throws IOException {
        Tandem.Result r = tandem("install", "--no-activate", bundle.toString(), "--progress=none");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("not activated (--no-activate)");
        assertThat(slot(status(), TestDevice.SLOT_B).get("state").asText()).isEqualTo("installed");
        assertThat(status().get("primary").asText()).isEqualTo(TestDevice.SLOT_A);

        Tandem.Result a = tandem("activate");
        assertThat(a.exitCode()).as(a.toString()).isZero();
        assertThat(a.out()).contains("try-once set: rootfs.1");
        assertThat(slot(status(), TestDevice.SLOT_B).get("state").asText()).isEqualTo("pending");
        assertThat(status().get("primary").asText()).isEqualTo(TestDevice.SLOT_B);

        // Nothing is installed any more: a second activate is refused by policy.
        Tandem.Result again = tandem("activate");
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(4);
        assertThat(again.errLines()).hasSize(1);
    }

    @Test
    void installsFromStandardInput() throws IOException {
        Tandem.Result r;
        try (InputStream in = Files.newInputStream(bundle)) {
            r = Tandem.runWithStdin(in, "install", "-", "--config", device.configFile.toString(),
                    "--progress=none");
        }
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
    }

    @Test
    void progressJsonIsOneObjectPerLineEndingWithDone() throws IOException {
        Tandem.Result r = tandem("install", bundle.toString(), "--progress=json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<JsonNode> events = r.out().lines().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + l, e);
            }
        }).toList();
        assertThat(events).extracting(e -> e.get("event").asText()).contains("phase", "progress").last()
                .isEqualTo("done");
        JsonNode done = events.get(events.size() - 1);
        assertThat(done.get("activated").asBoolean()).isTrue();
        // A file source skips what it does not need (the block hints), so it reads at most the bundle.
        assertThat(done.get("downloaded").asLong()).isPositive().isLessThanOrEqualTo(Files.size(bundle));
    }

    @Test
    void maxRateThrottlesTheDownload() throws IOException {
        try (StaticFileServer origin = new StaticFileServer(bundle.getParent())) {
            int port = origin.start(new InetSocketAddress("127.0.0.1", 0));
            long rate = 3L << 20;
            long start = System.nanoTime();
            Tandem.Result r = tandem("install", "http://127.0.0.1:" + port + "/" + bundle.getFileName(),
                    "--max-rate", "3M", "--progress=json");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(r.exitCode()).as(r.toString()).isZero();
            List<String> lines = r.out().lines().toList();
            long downloaded = JSON.readTree(lines.get(lines.size() - 1)).get("downloaded").asLong();
            assertThat(downloaded).isGreaterThan(2L * rate);
            // A lower bound only (a loaded machine makes it slower, never faster): the bytes cannot arrive faster
            // than the limit allows, less the limiter's burst and what the socket buffered before the first read.
            assertThat(seconds).isGreaterThanOrEqualTo(downloaded / (double) rate - 1.5);
        }
    }

    /** Whole installs through a fault-injecting proxy: exit 0 and a byte-identical slot, or exit 3 / 7. */
    @Nested
    class OverFaultyHttp {

        Tandem.Result installThrough(Fault... faults) throws IOException {
            try (StaticFileServer origin = new StaticFileServer(bundle.getParent())) {
                int port = origin.start(new InetSocketAddress("127.0.0.1", 0));
                try (FaultInjectingProxy proxy = FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", port),
                        faults)) {
                    return tandem("install", proxy.url(bundle.getFileName().toString()).toString(),
                            "--progress=none");
                }
            }
        }

        void assertFailed(Tandem.Result r, int exitCode, String text) throws IOException {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
            List<String> errors = r.errLines().stream().filter(l -> l.startsWith("tandem: ")).toList();
            assertThat(errors).as(r.toString()).singleElement().asString().contains(text);
            assertThat(r.err()).doesNotContain("\tat ");
            assertThat(device.state(TestDevice.SLOT_B)).isIn(SlotState.WRITING, SlotState.EMPTY);
            assertThat(device.bootloader().state("B").bootable()).isFalse();
            assertThat(device.bootloader().primary()).hasValue("A");
            assertThat(TestDevice.foreignChunks(device.slotB, image, CHUNK)).isEmpty();
        }

        @Test
        void aCutConnectionResumesAndCompletes() throws IOException {
            Tandem.Result r = installThrough(Fault.cutAfter(3L << 20).times(2));
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
            assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
        }

        @Test
        void aShorterFileExitsSeven() throws IOException {
            assertFailed(installThrough(Fault.truncateAt(Files.size(bundle) / 2)), 7, "install http://127.0.0.1:");
        }

        @Test
        void aFlippedByteExitsThree() throws IOException {
            TestDevice.StoredChunk c = TestDevice.storedChunk(bundle, 40);
            assertFailed(installThrough(Fault.flipByteAt(c.offset() + 3)), 3, "chunk 40: sha256 mismatch");
        }

        @Test
        void aFileChangedBetweenRequestsExitsSeven() throws IOException {
            assertFailed(installThrough(Fault.cutAfter(2L << 20).times(1), Fault.changeFile().fromRequest(2)), 7,
                    "changed");
        }
    }
}
