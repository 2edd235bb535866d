package dev.tandem.agent.feed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.TestDevice;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FileSource;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.Installer;
import dev.tandem.serve.StaticFileServer;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feed mode on a simulated device against {@code tandem serve}'s server: real signed bundles and feeds, real
 * installs into file slots, the simulated bootloader and boot-check between agent runs (each run is a new agent,
 * as after a reboot).
 */
class FeedAgentTest {

    @TempDir
    Path dir;

    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger reboots = new AtomicInteger();
    StaticFileServer server;
    int port;
    Path www;

    @BeforeEach
    void serve() throws IOException {
        www = Files.createDirectories(dir.resolve("www"));
        server = new StaticFileServer(www);
        port = server.start(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private TestDevice device() throws IOException {
        return TestDevice.create(dir.resolve("device"), """
                [agent]
                feed = "http://127.0.0.1:%d/os/stable/feed.json"
                controller-id = "device-1"
                feed-interval = "1s"
                """.formatted(port));
    }

    private FeedAgent agent(TestDevice d) {
        return agent(d, DownloadGate.ALWAYS);
    }

    private FeedAgent agent(TestDevice d, DownloadGate gate) {
        return FeedAgent.create(d.slots(), AgentSettings.defaults().withFastTiming(Duration.ofMillis(100)),
                reboots::incrementAndGet, new AgentListener() {
                    @Override
                    public void line(String text) {
                        lines.add(text);
                    }
                }, Map.of(), gate);
    }

    /** One boot of the device: the agent runs until {@code done}, then the power goes. */
    private void runUntil(TestDevice d, BooleanSupplier done) throws InterruptedException {
        runUntil(d, DownloadGate.ALWAYS, done);
    }

    private void runUntil(TestDevice d, DownloadGate gate, BooleanSupplier done) throws InterruptedException {
        FeedAgent a = agent(d, gate);
        a.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!done.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out; the agent said:\n" + String.join("\n", lines));
                }
                Thread.sleep(50);
            }
        } finally {
            a.stop();
        }
    }

    private boolean said(String text) {
        synchronized (lines) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }
    }

    private String status(TestDevice d) throws IOException {
        return Files.readString(d.dataDir.resolve("agent").resolve(FeedAgent.STATUS), StandardCharsets.UTF_8);
    }

    @Test
    void anOldDeviceUpdatesOverTheSteppingStoneInTwoUpdatesAndThenStays() throws Exception {
        TestDevice d = device();
        // The device runs 1.0.0 (installed by hand, booted, marked good) in rootfs.1.
        try (BundleSource s = FileSource.open(d.bundle("1.0.0", 1 << 20))) {
            new Installer(d.slots(), InstallSettings.defaults()).install(s, InstallOptions.defaults(),
                    InstallListener.NONE);
        }
        d.reboot();
        d.bootCheck();
        assertThat(d.slot("rootfs.1").version()).isEqualTo("1.0.0");
        Path channel = www.resolve("os/stable");
        Files.createDirectories(channel);
        Path b15 = Files.move(d.bundle("1.5.0", 1 << 20), channel.resolve("rootfs-1.5.0.tandem"));
        Path b20 = Files.move(d.bundle("2.0.0", 1 << 20), channel.resolve("rootfs-2.0.0.tandem"));
        Instant now = Instant.now();
        FeedPublisher.publish(channel, d.pki, "stable", now, now.plus(Duration.ofDays(7)), List.of(
                FeedPublisher.entry(b15, "rootfs-1.5.0.tandem", null, null),
                FeedPublisher.entry(b20, "rootfs-2.0.0.tandem", null, "1.5.0")));

        // 1.0.0 may not go straight to 2.0.0: the feed leads it to 1.5.0 first.
        runUntil(d, () -> reboots.get() == 1);
        assertThat(said("installing 1.5.0 from http://127.0.0.1:" + port + "/os/stable/rootfs-1.5.0.tandem")).as(String.join("\n", lines)).isTrue();
        assertThat(d.slot("rootfs.0").state()).isEqualTo(SlotState.PENDING);
        d.reboot();
        d.bootCheck();

        // After the reboot: boot-check's verdict is recorded, then the next step.
        runUntil(d, () -> reboots.get() == 2);
        assertThat(said("update success: 1.5.0")).as(String.join("\n", lines)).isTrue();
        assertThat(said("installing 2.0.0 from")).as(String.join("\n", lines)).isTrue();
        d.reboot();
        d.bootCheck();

        runUntil(d, () -> said("up to date (2.0.0"));
        assertThat(said("update success: 2.0.0")).as(String.join("\n", lines)).isTrue();
        assertThat(status(d)).contains("success: 2.0.0");
        assertThat(d.slots().booted().name()).isEqualTo("rootfs.1");
        assertThat(d.slot("rootfs.1").version()).isEqualTo("2.0.0");
        assertThat(d.slot("rootfs.1").state()).isEqualTo(SlotState.GOOD);
        assertThat(reboots.get()).isEqualTo(2);
        assertThat(lines).noneMatch(l -> l.contains("refused"));
    }

    @Test
    void aFailedTrialIsRecordedAndTheBundleIsNotInstalledAgain() throws Exception {
        TestDevice d = device();
        Path channel = www.resolve("os/stable");
        Files.createDirectories(channel);
        Path b20 = Files.move(d.bundle("2.0.0", 1 << 20), channel.resolve("rootfs-2.0.0.tandem"));
        Instant now = Instant.now();
        FeedPublisher.publish(channel, d.pki, "stable", now, now.plus(Duration.ofDays(7)),
                List.of(FeedPublisher.entry(b20, "rootfs-2.0.0.tandem", null, null)));
        runUntil(d, () -> reboots.get() == 1);
        Files.writeString(d.unhealthy, "x");
        d.reboot();
        d.bootCheck(); // marks 2.0.0 bad and falls back
        d.reboot();
        Files.delete(d.unhealthy);
        d.bootCheck();

        runUntil(d, () -> said("failed on this device before; not installed again"));
        assertThat(status(d)).contains("failure: 2.0.0");
        assertThat(reboots.get()).isEqualTo(1);
    }

    @Test
    void tamperedExpiredAndReplayedFeedsAreRefusedWithTheReason() throws Exception {
        TestDevice d = device();
        Path channel = www.resolve("os/stable");
        Path b20 = Files.move(d.bundle("2.0.0", 1 << 20), Files.createDirectories(channel)
                .resolve("rootfs-2.0.0.tandem"));
        FeedEntry e20 = FeedPublisher.entry(b20, "rootfs-2.0.0.tandem", 0, null); // phased 0 %: nobody installs
        Instant now = Instant.now();
        FeedAgent a = agent(d);

        // Tampered: a signed feed with one byte changed.
        byte[] json = FeedPublisher.publish(channel, d.pki, "stable", now, now.plus(Duration.ofDays(7)),
                List.of(e20));
        byte[] tampered = new String(json, StandardCharsets.UTF_8).replace("\"phased\" : 0", "\"phased\" : 9")
                .getBytes(StandardCharsets.UTF_8);
        Files.write(channel.resolve("feed.json"), tampered);
        a.look();
        assertThat(said("/os/stable/feed.json refused: feed signature refused: ")).as(lines.toString()).as(String.join("\n", lines)).isTrue();

        // Expired.
        FeedPublisher.publish(channel, d.pki, "stable", now.minus(Duration.ofDays(8)), now.minus(Duration.ofDays(1)),
                List.of(e20));
        a.look();
        assertThat(said("refused: feed expired on ")).as(lines.toString()).as(String.join("\n", lines)).isTrue();

        // Accepted (nothing for this device: 0 %), which raises the floor of what comes next.
        FeedPublisher.publish(channel, d.pki, "stable", now, now.plus(Duration.ofDays(7)), List.of(e20));
        a.look();
        assertThat(said("nothing for " + TestDevice.COMPATIBLE)).as(lines.toString()).as(String.join("\n", lines)).isTrue();

        // Replayed: an older, validly signed, unexpired feed.
        FeedPublisher.publish(channel, d.pki, "stable", now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(7)),
                List.of(FeedPublisher.entry(b20, "rootfs-2.0.0.tandem", null, null)));
        a.look();
        assertThat(said("a freeze or replay; refused")).as(lines.toString()).as(String.join("\n", lines)).isTrue();

        // The floor is kept across restarts (a new agent, as after a reboot).
        lines.clear();
        agent(d).look();
        assertThat(said("a freeze or replay; refused")).as(lines.toString()).as(String.join("\n", lines)).isTrue();
        assertThat(d.slot("rootfs.1").state()).isEqualTo(SlotState.EMPTY);
    }

    @Test
    void aBundleThatIsNotTheOneTheFeedNamesIsNotBooted() throws Exception {
        TestDevice d = device();
        Path channel = Files.createDirectories(www.resolve("os/stable"));
        Path b20 = Files.move(d.bundle("2.0.0", 1 << 20), channel.resolve("rootfs-2.0.0.tandem"));
        Path b21 = Files.move(d.bundle("2.1.0", 1 << 20), channel.resolve("rootfs-2.1.0.tandem"));
        Instant now = Instant.now();
        // The signed feed names 2.0.0; the mirror serves another validly signed bundle under that name.
        FeedEntry named = FeedPublisher.entry(b20, "rootfs-2.0.0.tandem", null, null);
        Files.move(b21, b20, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        FeedPublisher.publish(channel, d.pki, "stable", now, now.plus(Duration.ofDays(7)), List.of(named));

        runUntil(d, () -> said("update failure: 2.0.0"));
        assertThat(said("instead of the feed's " + named.bundleId().substring(0, 12) + "; not booted")).isTrue();
        assertThat(d.slot("rootfs.1").state()).isEqualTo(SlotState.BAD);
        assertThat(reboots.get()).isZero();
        assertThat(d.reboot()).as("the bootloader still boots A (rootfs.0)").isEqualTo("A");
    }

    @Test
    void theDownloadGateHoldsTheDownloadBackAndStopsARunningOneWhichThenResumes() throws Exception {
        TestDevice d = TestDevice.create(dir.resolve("device"), """
                [http]
                max-rate = 1048576
                [agent]
                feed = "http://127.0.0.1:%d/os/stable/feed.json"
                controller-id = "device-1"
                feed-interval = "1s"
                """.formatted(port));
        Path channel = Files.createDirectories(www.resolve("os/stable"));
        Path b20 = Files.move(d.bundle("2.0.0", 8 << 20), channel.resolve("rootfs-2.0.0.tandem"));
        Instant now = Instant.now();
        FeedPublisher.publish(channel, d.pki, "stable", now, now.plus(Duration.ofDays(7)),
                List.of(FeedPublisher.entry(b20, "rootfs-2.0.0.tandem", null, null)));
        java.util.concurrent.atomic.AtomicReference<String> refusal = new java.util.concurrent.atomic.AtomicReference<>(
                "the link is metered");
        DownloadGate gate = () -> java.util.Optional.ofNullable(refusal.get());

        runUntil(d, gate, () -> {
            if (said("not downloading now: the link is metered") && !said("installing 2.0.0 from")) {
                long before = server.bytesServed();
                refusal.set(null); // unmetered now
                assertThat(before).as("nothing but the feed was read").isLessThan(64 * 1024);
            }
            if (said("installing 2.0.0: ") && refusal.get() == null && !said("stopping the download")) {
                refusal.set("paused by the user");
            }
            if (said("install of 2.0.0 stopped") && !said("resumed")) {
                refusal.set(null);
            }
            return reboots.get() == 1;
        });
        assertThat(said("stopping the download: paused by the user; it resumes where it stopped")).isTrue();
        assertThat(lines).anyMatch(l -> l.startsWith("installed 2.0.0 into rootfs.1") && l.endsWith(", resumed"));
        assertThat(d.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
    }

    @Test
    void aLowerVersionIsTakenOnlyAfterAChannelSwitchAndNeverBelowTheFloor() throws Exception {
        TestDevice d = device();
        // The device runs 2.1.0 from beta (installed by hand, booted, marked good: the floor is now 2).
        try (BundleSource s = FileSource.open(d.bundle("2.1.0", 1 << 20, w -> w.securityVersion(2)))) {
            new Installer(d.slots(), InstallSettings.defaults()).install(s, InstallOptions.defaults(),
                    InstallListener.NONE);
        }
        d.reboot();
        d.bootCheck();
        Path stable = Files.createDirectories(www.resolve("os/stable"));
        Path b20 = Files.move(d.bundle("2.0.0", 1 << 20, w -> w.securityVersion(2)),
                stable.resolve("rootfs-2.0.0.tandem"));
        Instant now = Instant.now();
        FeedPublisher.publish(stable, d.pki, "stable", now, now.plus(Duration.ofDays(7)),
                List.of(FeedPublisher.entry(b20, "rootfs-2.0.0.tandem", null, null)));

        FeedAgent a = agent(d);
        a.look();
        assertThat(said("offers 2.0.0, older than the booted 2.1.0")).as(String.join("\n", lines)).isTrue();

        // `tandem channel set` (here: back to the configured stable after following beta).
        new dev.tandem.agent.feed.ChannelChoice("stable", true).store(
                dev.tandem.storage.DurableFile.at(d.dataDir.resolve("agent").resolve(FeedAgent.CHANNEL)));
        runUntil(d, () -> reboots.get() == 1);
        assertThat(said("installing 2.0.0 from")).isTrue();
        assertThat(said("channel switched")).isTrue();
        assertThat(Files.readString(d.dataDir.resolve("agent").resolve(FeedAgent.CHANNEL))).isEqualTo("stable\n");
        d.reboot();
        d.bootCheck();

        // Below the floor: refused by the installer even right after a switch.
        Path b19 = Files.move(d.bundle("1.9.0", 1 << 20, w -> w.securityVersion(1)),
                stable.resolve("rootfs-1.9.0.tandem"));
        FeedPublisher.publish(stable, d.pki, "stable", now.plusSeconds(1), now.plus(Duration.ofDays(7)),
                List.of(FeedPublisher.entry(b19, "rootfs-1.9.0.tandem", null, null)));
        new dev.tandem.agent.feed.ChannelChoice("stable", true).store(
                dev.tandem.storage.DurableFile.at(d.dataDir.resolve("agent").resolve(FeedAgent.CHANNEL)));
        runUntil(d, () -> said("install of 1.9.0 failed"));
        assertThat(lines).anyMatch(l -> l.startsWith("install of 1.9.0 failed") && l.contains("security-version"));
        assertThat(reboots.get()).isEqualTo(1);
    }
}
