package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.install.TestDevice;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem daemon} in a child process on a file-slot device, and the commands that talk to it:
 * {@code status --json} and {@code install} go through its socket unless {@code --local}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DaemonCommandTest {

    static final ObjectMapper JSON = new ObjectMapper();

    // One daemon for the class (a child JVM is slow to start on a busy host); the tests run in order.
    @TempDir
    static Path dir;
    static TestDevice device;
    static Path bundle;
    static Path image;
    static Path socket;
    static Process daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        device = TestDevice.create(dir.resolve("device"), 16L << 20, "");
        image = TestDevice.imageWithZeroRegions(dir.resolve("v2.img"), 6L << 20, 4);
        bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
        socket = dir.resolve("run/api.sock");
        daemon = ChildTandem.start(List.of(), dir.resolve("daemon.log"), "daemon", "--config",
                device.configFile.toString(), "--api-socket", socket.toString());
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            while (!Files.exists(socket)) {
                assertThat(daemon.isAlive()).as(Files.readString(dir.resolve("daemon.log"))).isTrue();
                Thread.sleep(50);
            }
        });
    }

    @AfterAll
    static void stopDaemon() {
        ChildTandem.kill(daemon);
    }

    Tandem.Result tandem(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--config";
        all[args.length + 1] = device.configFile.toString();
        all[args.length + 2] = "--api-socket";
        all[args.length + 3] = socket.toString();
        return Tandem.run(all);
    }

    @Test
    @Order(1)
    void statusJsonComesFromTheDaemonWithItsStateAndLocalSkipsIt() throws IOException {
        Tandem.Result r = tandem("status", "--json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        JsonNode status = JSON.readTree(r.out());
        assertThat(status.path("agent").path("state").asText()).isEqualTo("idle");
        assertThat(status.path("booted").asText()).isEqualTo(TestDevice.SLOT_A);
        Tandem.Result local = tandem("status", "--json", "--local");
        assertThat(local.exitCode()).as(local.toString()).isZero();
        JsonNode localStatus = JSON.readTree(local.out());
        assertThat(localStatus.has("agent")).isFalse();
        // The same report otherwise.
        assertThat(status.path("slots").findValues("state")).isEqualTo(localStatus.path("slots").findValues("state"));
        assertThat(status.path("primary")).isEqualTo(localStatus.path("primary"));
    }

    @Test
    @Order(2)
    void installGoesThroughTheDaemonWithProgressJsonRateAndEtaAndItsExitCodes() throws IOException {
        // A relative path is resolved here, not in the daemon's working directory.
        Path relative = Path.of("").toAbsolutePath().relativize(bundle);
        Tandem.Result r = tandem("install", relative.toString(), "--progress=json");
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
        JsonNode progress = events.stream().filter(e -> e.get("event").asText().equals("progress")).findFirst()
                .orElseThrow();
        assertThat(progress.has("rate")).isTrue();
        assertThat(progress.has("eta-seconds")).isTrue();
        assertThat(events.get(events.size() - 1).path("version").asText()).isEqualTo("2.0.0");
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        assertThat(Files.readString(dir.resolve("daemon.log"))).contains("api: install of " + bundle + " asked by");

        // A bundle that fails verification: the daemon's failure has the exit code a local install has.
        byte[] bytes = Files.readAllBytes(bundle);
        bytes[bytes.length - 1000] ^= 1;
        Path tampered = Files.write(dir.resolve("tampered.tandem"), bytes);
        Tandem.Result viaDaemon = tandem("install", tampered.toString(), "--progress=none");
        Tandem.Result local = tandem("install", tampered.toString(), "--progress=none", "--local");
        assertThat(viaDaemon.exitCode()).as(viaDaemon.toString()).isEqualTo(local.exitCode())
                .isEqualTo(ExitCode.VERIFICATION.code());
        assertThat(viaDaemon.err()).startsWith("tandem: install " + tampered + ": ");

        JsonNode status = JSON.readTree(tandem("status", "--json").out());
        assertThat(status.path("agent").path("state").asText()).isEqualTo("waiting-for-reboot");
        assertThat(status.path("agent").path("last").path("outcome").asText()).isEqualTo("failed");
    }

    @Test
    @Order(3)
    void theAgentServesTheSameApiWithApi() throws Exception {
        Path agentSocket = dir.resolve("run/agent.sock");
        Process agent = ChildTandem.start(List.of(), dir.resolve("agent.log"), "agent", "--standalone", "--api",
                "--api-socket", agentSocket.toString(), "--config", device.configFile.toString());
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                while (!Files.exists(agentSocket)) {
                    assertThat(agent.isAlive()).as(Files.readString(dir.resolve("agent.log"))).isTrue();
                    Thread.sleep(50);
                }
            });
            Tandem.Result r = Tandem.run("status", "--json", "--config", device.configFile.toString(),
                    "--api-socket", agentSocket.toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(JSON.readTree(r.out()).path("agent").path("state").asText()).isEqualTo("idle");
            agent.destroy(); // SIGTERM
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> agent.waitFor());
            assertThat(agentSocket).doesNotExist();
            assertThat(Files.readString(dir.resolve("agent.log"))).contains("api: listening on " + agentSocket);
        } finally {
            ChildTandem.kill(agent);
        }
    }

    @Test
    @Order(4)
    void aStoppedDaemonRemovesItsSocketAndCommandsWorkLocallyAgain() throws Exception {
        daemon.destroy(); // SIGTERM
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> daemon.waitFor());
        assertThat(socket).doesNotExist();
        Tandem.Result r = tandem("status", "--json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(JSON.readTree(r.out()).has("agent")).isFalse();
    }
}
