package dev.tandem.hardware;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.boot.BootloaderAdapter;
import dev.tandem.hardware.rig.BootPlatform;
import dev.tandem.hardware.rig.BootRecord;
import dev.tandem.hardware.rig.DeviceView;
import dev.tandem.hardware.rig.GuestHealth;
import dev.tandem.hardware.rig.Prerequisites;
import dev.tandem.storage.StorageCut;
import dev.tandem.hardware.rig.TandemProcess;
import dev.tandem.serve.StaticFileServer;
import dev.tandem.slot.BootIdSource;
import dev.tandem.slot.BootedSlot;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.Slot;
import dev.tandem.slot.SlotResolver;
import dev.tandem.slot.state.StatusStore;
import dev.tandem.slot.config.SystemConfig;
import dev.tandem.storage.DurableFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The update scenarios of issue 6, each on a copy of the platform's factory disk, booted by the real firmware and
 * bootloader under QEMU, with tandem's CLI and adapters on the host between boots. Subclasses name the platform.
 * Every boot's console and wall time are kept under {@code target/hardware-tests/<platform>/<scenario>/}.
 */
@Tag("qemu")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BootScenarios {

    static final String V1 = Factory.FACTORY_VERSION;
    static final String V2 = Factory.UPDATE_VERSION;

    private Factory factory;

    /** The platform under test; {@code dir} holds its factory files. */
    abstract BootPlatform platform(Path dir);

    /** The platform's factory (for scenarios of one platform only, in subclasses). */
    Factory factory() {
        return factory;
    }

    /** Scenario directories are {@code target/hardware-tests/<platform>/<scenario>}. */
    private Path platformDir(BootPlatform p) {
        return ScenarioLog.root().resolve(p.name());
    }

    @BeforeAll
    void buildFactory() throws IOException {
        Prerequisites.assumeRoot();
        BootPlatform probe = platform(ScenarioLog.root());
        probe.assumeAvailable();
        Path dir = platformDir(probe).resolve("factory");
        factory = Factory.build(platform(dir), dir);
    }

    @AfterAll
    void closeFactory() {
        if (factory != null) {
            factory.close();
        }
    }

    /**
     * 1. A good update: install into the inactive slot, try-once; the new slot boots, boot-check finds it healthy
     * and marks it good; the next boot stays on it.
     */
    @Test
    void goodUpdateIsKept() throws IOException {
        try (EmulatedDevice d = factory.device("good-update")) {
            d.install(factory.bundle(GuestHealth.HEALTHY));
            JsonNode before = d.status();
            assertThat(before.path("primary").asText()).as("primary after install").isEqualTo("rootfs.1");
            assertThat(slot(before, "B").path("state").asText()).isEqualTo("pending");
            assertThat(slot(before, "B").path("bootloader").path("attempts-left").asInt()).isEqualTo(1);

            BootRecord trial = d.boot("trial of " + V2, "B", V2);
            d.expectOutcome(d.bootCheck(trial), "MARKED_GOOD");
            BootRecord next = d.boot(V2 + " is kept", "B", V2);
            d.expectOutcome(d.bootCheck(next), "STAYED_GOOD");

            JsonNode after = d.status();
            assertThat(slot(after, "B").path("state").asText()).isEqualTo("good");
            assertThat(slot(after, "B").path("version").asText()).isEqualTo(V2);
            assertThat(after.path("primary").asText()).isEqualTo("rootfs.1");
            assertThat(after.path("fallback").asText()).as("the old slot stays as fallback").isEqualTo("rootfs.0");
            d.passed();
        }
    }

    /**
     * 2. The new slot's software powers off before boot-check runs, so nobody marks it good: the next boot falls
     * back. {@code tandem status} on the device then shows the counter the bootloader spent; boot-check records
     * the fallback, and the boot after stays on the old slot (no ping-pong back into the failed one).
     */
    @Test
    void unconfirmedTrialFallsBack() throws IOException {
        try (EmulatedDevice d = factory.device("no-mark-good")) {
            Path bundle = factory.bundle(GuestHealth.NO_BOOT_CHECK);
            d.install(bundle);
            d.boot("trial of " + V2 + ", never confirmed", "B", V2);
            BootRecord fallback = d.boot("fallback to " + V1, "A", V1);

            // Before boot-check: what the bootloader did, read by tandem status as the device itself runs it.
            JsonNode seen = statusAsGuest(d, fallback);
            assertThat(seen.path("booted").asText()).isEqualTo("rootfs.0");
            assertThat(seen.path("booted-evidence").asText()).contains("tandem.slot=A");
            JsonNode b = slot(seen, "B");
            assertThat(b.path("state").asText()).as("status.json still has B on trial").isEqualTo("pending");
            assertThat(b.path("bootloader").path("bootable").asBoolean()).as("B's try is spent").isFalse();
            assertThat(b.path("bootloader").path("attempts-left").asInt()).isZero();
            assertThat(seen.path("primary").asText()).isNotEqualTo("rootfs.1");

            JsonNode check = d.bootCheck(fallback);
            d.expectOutcome(check, "STAYED_GOOD");
            assertThat(check.path("fell-back-from").asText()).isEqualTo("rootfs.1");
            JsonNode after = d.status();
            assertThat(slot(after, "B").path("state").asText()).isEqualTo("bad");
            assertThat(slot(after, "B").path("last-failure").asText()).contains("never reached boot-check");
            assertThat(after.path("failed-bundles").toString()).contains(V2);

            BootRecord stays = d.boot("stays on " + V1 + " after the fallback", "A", V1);
            d.expectOutcome(d.bootCheck(stays), "STAYED_GOOD");
            d.passed();
        }
    }

    /** 2b. The new slot reaches boot-check and its health check fails: boot-check marks it bad, the next boot is A. */
    @Test
    void unhealthyTrialIsMarkedBad() throws IOException {
        try (EmulatedDevice d = factory.device("health-check-fails")) {
            d.install(factory.bundle(GuestHealth.UNHEALTHY));
            BootRecord trial = d.boot("trial of " + V2 + ", unhealthy", "B", V2);
            JsonNode check = d.bootCheck(trial);
            d.expectOutcome(check, "MARKED_BAD");
            assertThat(check.path("rebooting").asBoolean()).isTrue();
            BootRecord back = d.boot("back on " + V1, "A", V1);
            d.expectOutcome(d.bootCheck(back), "STAYED_GOOD");
            JsonNode after = d.status();
            assertThat(slot(after, "B").path("state").asText()).isEqualTo("bad");
            assertThat(slot(after, "B").path("last-failure").asText()).contains("trial boot failed");
            d.passed();
        }
    }

    /** 3. The new slot's kernel panics: the bootloader already spent its try, the next boot falls back. */
    @Test
    void kernelPanicFallsBack() throws IOException {
        try (EmulatedDevice d = factory.device("kernel-panic")) {
            d.install(factory.bundle(GuestHealth.PANIC));
            BootRecord trial = d.boot("trial of " + V2 + ", panics", "B", V2);
            if (!trial.console().panicked()) {
                throw d.bootFailure(trial, "a kernel panic");
            }
            BootRecord fallback = d.boot("fallback to " + V1, "A", V1);
            JsonNode check = d.bootCheck(fallback);
            d.expectOutcome(check, "STAYED_GOOD");
            assertThat(check.path("fell-back-from").asText()).isEqualTo("rootfs.1");
            d.passed();
        }
    }

    /**
     * 4a. The power is cut at a random moment of the new slot's trial boot. Whatever the moment, the next boot is
     * the one tandem reads from the environment (the real bootloader and tandem's reader agree), and the device
     * ends on a good slot: the new one if its try was not spent yet (it boots again and is confirmed), else the
     * old one (boot-check records the fallback).
     */
    @Test
    void powerCutDuringTrialBoot() throws IOException {
        long seed = Long.getLong("tandem.hw.seed", System.nanoTime());
        Random random = new Random(seed);
        try (EmulatedDevice d = factory.device("power-cut-during-boot")) {
            d.install(factory.bundle(GuestHealth.HEALTHY));
            // Anywhere from firmware start to about when a normal boot powers off.
            long spanMs = factory.firstBootWall().toMillis();
            Duration at = Duration.ofMillis(100 + (long) (random.nextDouble() * spanMs));
            d.log().step("seed " + seed + " (-Dtandem.hw.seed=" + seed + " repeats this cut)");
            BootRecord cut = d.bootWithPowerCut("trial of " + V2 + ", power cut", at);
            if (cut.ending() == BootRecord.Ending.EXITED) {
                // The boot ended before the cut came: it was a whole trial boot, boot-check ran in it.
                d.log().step("the boot ended before the cut; it counts as a normal trial boot");
                d.expectBooted(cut, "B", V2);
                d.expectOutcome(d.bootCheck(cut), "MARKED_GOOD");
                d.boot(V2 + " is kept", "B", V2);
            } else {
                continueAfterCut(d, cut);
            }
            d.passed();
        }
    }

    /**
     * 4b. The power is cut during tandem's own write of the try-once (activate), at every durable step in turn:
     * bootloader environment writes (torn, where they are block writes) and status.json. After each cut the
     * device boots what tandem reads from the environment, and that is a slot that works.
     */
    @Test
    void powerCutDuringEnvWrite() throws IOException {
        try (EmulatedDevice d = factory.device("power-cut-during-env-write")) {
            d.install(factory.bundle(GuestHealth.HEALTHY), "--no-activate");
            d.snapshot("installed");
            for (int step = 1; ; step++) {
                d.restore("installed", "A");
                StorageCut cut = StorageCut.at(step, 0);
                String what = activateWithCut(d, cut);
                if (!cut.happened()) {
                    d.log().step(what + ": activate takes " + (step - 1) + " durable steps; each was cut above");
                    assertThat(step).as("activate wrote something durable").isGreaterThan(1);
                    break;
                }
                settleAfterCut(d, what);
                if (cut.cutBlockWrite() && platformTearsWrites()) {
                    d.restore("installed", "A");
                    StorageCut torn = StorageCut.at(step, 512);
                    settleAfterCut(d, activateWithCut(d, torn));
                }
            }
            d.passed();
        }
    }

    /**
     * 5. The install is killed part-way (kill -9 of the tandem process; the HTTP download is rate-limited so there
     * is time): the device still boots the old slot; the rerun resumes, and the new slot then boots. Last, the
     * rerun's download is held to ARCHITECTURE.md §4's target: at most 4 MiB re-downloaded per interruption, against an
     * uninterrupted install of the same bundle measured first.
     */
    @Test
    void interruptedInstallResumes() throws Exception {
        try (EmulatedDevice d = factory.device("interrupted-install")) {
            Path bundle = factory.bundle(GuestHealth.HEALTHY);
            try (StaticFileServer server = new StaticFileServer(bundle.getParent())) {
                int port = server.start(new InetSocketAddress("127.0.0.1", 0));
                String url = "http://127.0.0.1:" + port + "/" + bundle.getFileName();

                d.snapshot("before-install");
                long full = lastEvent(d.tandemOk("--booted", "A", "--progress", "json", "install", "--no-activate",
                        url).out(), "done").path("downloaded").asLong();
                d.restore("before-install", "A");

                d.http("[http]\nmax-rate = " + (2 << 20) + "\n\n");
                long killedAt = killInstallPartWay(d, url, full * 2 / 3);

                BootRecord old = d.boot("after the interrupted install", "A", V1);
                d.expectOutcome(d.bootCheck(old), "STAYED_GOOD");
                assertThat(slot(d.status(), "B").path("state").asText()).isEqualTo("writing");

                d.http("");
                JsonNode done = lastEvent(d.tandemOk("--booted", "A", "--progress", "json", "install", url).out(),
                        "done");
                long rerun = done.path("downloaded").asLong();
                long again = killedAt + rerun - full;
                d.log().step("an uninterrupted install downloads " + full + " bytes; the killed run had "
                        + killedAt + ", the rerun " + rerun + ": " + again + " bytes downloaded twice");
                assertThat(done.path("resumed").asBoolean()).as("the rerun resumed").isTrue();

                BootRecord trial = d.boot("trial of " + V2 + " after the resumed install", "B", V2);
                d.expectOutcome(d.bootCheck(trial), "MARKED_GOOD");

                assertThat(again).as("bytes downloaded twice because of the interruption (ARCHITECTURE.md §4: at most"
                        + " 4 MiB; an uninterrupted install downloads %d, the killed run had %d, the rerun %d)",
                        full, killedAt, rerun).isLessThanOrEqualTo(4L << 20);
            }
            d.passed();
        }
    }

    // ---- steps shared by the scenarios ---------------------------------------------------------------------

    /** After a power cut during a trial boot: boot until the device is settled on a good slot. */
    private void continueAfterCut(EmulatedDevice d, BootRecord cut) {
        String next = d.nextBootPerTandem();
        d.log().step("power cut at " + cut.seconds() + " (" + (cut.console().version().isPresent()
                ? "the guest was up" : "before the guest came up") + "); tandem reads the next boot as: " + next);
        bootAndSettle(d, next, "after the power cut");
    }

    /**
     * Boots what tandem says boots next and finishes the trial: B on trial is confirmed by boot-check and kept; a
     * fallback to A is recorded; U-Boot's rescue (no valid environment) resets once, then A boots.
     */
    private void bootAndSettle(EmulatedDevice d, String next, String why) {
        switch (next) {
            case "B" -> {
                BootRecord trial = d.boot("trial of " + V2 + " " + why, "B", V2);
                d.expectOutcome(d.bootCheck(trial), "MARKED_GOOD");
            }
            case "A" -> {
                BootRecord old = d.boot(V1 + " " + why, "A", V1);
                d.expectOutcome(d.bootCheck(old), "STAYED_GOOD");
            }
            case "rescue" -> {
                d.bootExpectingRescue("boot script rescue " + why);
                BootRecord old = d.boot(V1 + " after the rescue", "A", V1);
                d.expectOutcome(d.bootCheck(old), "STAYED_GOOD");
            }
            default -> throw d.failure("tandem reads no bootable slot " + why);
        }
    }

    /** After a cut of tandem's own write: boot what tandem reads, and finish. */
    private void settleAfterCut(EmulatedDevice d, String what) {
        String next = d.nextBootPerTandem();
        d.log().step(what + "; tandem reads the next boot as: " + next);
        bootAndSettle(d, next, "after the cut");
    }

    /** U-Boot's environment is a block write, which a power cut can tear (one sector landed, the rest not). */
    private boolean platformTearsWrites() {
        return platform(ScenarioLog.root()).bootloader().equals("uboot");
    }

    /**
     * {@code tandem activate}'s work (DeviceSlots.activate, which the command calls) with the bootloader storage
     * and status.json behind {@code cut}.
     */
    private static String activateWithCut(EmulatedDevice d, StorageCut cut) {
        DeviceView v = d.view();
        SystemConfig cfg = SystemConfig.load(v.config());
        BootloaderAdapter adapter = v.adapter(cut);
        List<Slot> slots = SlotResolver.system().resolve(cfg, () -> {
            throw new IllegalStateException("slots are devices here");
        });
        Slot a = slots.get(0);
        StatusStore store = new StatusStore(cut.wrap(DurableFile.at(cfg.dataDir().resolve(StatusStore.FILE_NAME))));
        String hostBootId = BootIdSource.kernel(BootIdSource.KERNEL_BOOT_ID).current();
        DeviceSlots ds = new DeviceSlots(cfg, slots, adapter, store, new BootedSlot(a, "--booted"), () -> hostBootId,
                Clock.systemUTC());
        try {
            ds.activate(ds.targetGroup());
            return "activate completed (" + cut + ")";
        } catch (RuntimeException e) {
            if (!cut.happened()) {
                throw e;
            }
            return "activate cut: " + e.getMessage();
        }
    }

    /**
     * Starts {@code tandem install url} in its own JVM and kills it (SIGKILL) once its progress shows
     * {@code killAt} bytes downloaded; returns the bytes downloaded by then.
     */
    private static long killInstallPartWay(EmulatedDevice d, String url, long killAt) throws Exception {
        DeviceView v = d.view();
        List<String> cmd = TandemProcess.command(List.of(), List.of("--config", v.config().toString(), "--booted",
                "A", "--progress", "json", "install", url));
        d.log().step("tandem install " + url + " in its own JVM, killed after " + killAt + " bytes downloaded");
        Process p = new ProcessBuilder(cmd).redirectError(d.dir().resolve("killed-install.stderr").toFile()).start();
        long downloaded = 0;
        StringBuilder seen = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                seen.append(line).append('\n');
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode e = EmulatedDevice.json(line);
                if (e.path("event").asText().equals("progress")) {
                    downloaded = e.path("downloaded").asLong();
                    if (downloaded >= killAt) {
                        p.destroyForcibly();
                        break;
                    }
                }
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            p.waitFor(60, TimeUnit.SECONDS);
        }
        d.log().output("progress until the kill", tail(seen.toString(), 5));
        if (downloaded < killAt) {
            throw d.failure("the install ended (exit " + p.exitValue() + ") before " + killAt
                    + " bytes were downloaded; see killed-install.stderr");
        }
        return downloaded;
    }

    /** {@code tandem status --json} in its own JVM, seeing the kernel command line and boot id of {@code boot}. */
    private static JsonNode statusAsGuest(EmulatedDevice d, BootRecord boot) {
        DeviceView v = d.view();
        d.log().step("tandem status --json, as the device in " + boot.name());
        var r = TandemProcess.asGuest(d.dir(), boot.console().cmdline().orElseThrow(),
                boot.console().bootId().orElseThrow(), ScenarioLog.root(), v.bootMount().orElse(null),
                "--config", v.config().toString(), "status", "--json");
        d.log().output("exit " + r.exitCode(), r.stdout() + r.stderr());
        if (r.exitCode() != 0) {
            throw d.failure("tandem status as the device exited " + r.exitCode() + ": " + r.stderr().strip());
        }
        return EmulatedDevice.json(r.stdout());
    }

    static JsonNode slot(JsonNode status, String bootname) {
        for (JsonNode s : status.path("slots")) {
            if (bootname.equals(s.path("bootname").asText())) {
                return s;
            }
        }
        throw new AssertionError("status has no slot " + bootname + ": " + status);
    }

    private static JsonNode lastEvent(String jsonLines, String event) {
        JsonNode found = null;
        for (String line : jsonLines.split("\n")) {
            if (line.startsWith("{")) {
                JsonNode n = EmulatedDevice.json(line);
                if (event.equals(n.path("event").asText())) {
                    found = n;
                }
            }
        }
        if (found == null) {
            throw new AssertionError("no '" + event + "' event in: " + jsonLines);
        }
        return found;
    }

    private static String tail(String text, int lines) {
        String[] all = text.strip().split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }
}
