package dev.tandem.install.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.FileSource;
import dev.tandem.bundle.fuzz.SeedBundle;
import dev.tandem.install.InstallListener;
import dev.tandem.install.Installer;
import dev.tandem.slot.policy.InstallOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kill -9 (SIGKILL) of a real installer process at points spread over an install, and at every durable step of
 * boot-check and mark-good; then the device boots again ({@link NextBoot}): status readable, the old slot
 * still primary unless the new one was completely installed and verified, and the install resumable to the end.
 *
 * <p>{@code -Dcrash.points=N} kill points over the install (default 8); boot-check and mark-good are killed at
 * every one of their steps.
 */
class CrashMatrixTest {

    static Path dir;
    static Path bundle;
    static byte[] imageA;
    static byte[] imageB;
    static SimulatedDevice fresh;
    static SimulatedDevice onTrial;
    static final Map<String, Map<String, Integer>> TABLE = new TreeMap<>();
    static final List<String> BRICKED = new ArrayList<>();
    static int points;

    @BeforeAll
    static void devices() throws IOException {
        dir = ScratchDisk.directory("crash");
        // 256 chunks: a few hundred durable operations to kill the installer between.
        SeedBundle seed = SeedBundle.create(dir, "crash-device", 256 * SeedBundle.CHUNK_SIZE - 100);
        bundle = dir.resolve("update.tandem");
        Files.write(bundle, seed.bytes);
        imageB = seed.image("rootfs").content();
        imageA = imageB.clone();
        for (int i = 0; i < imageA.length; i += 3 * SeedBundle.CHUNK_SIZE) {
            imageA[i] ^= 0x33;
        }
        fresh = SimulatedDevice.create(dir.resolve("fresh"), "crash-device", seed.keyringPem(), imageA, 5 << 20, "");
        onTrial = fresh.copyTo(dir.resolve("on-trial"));
        try (FileSource s = FileSource.open(bundle)) {
            new Installer(onTrial.slots(), CrashChild.SETTINGS).install(s, InstallOptions.defaults(),
                    new InstallListener() { });
        }
        assertThat(onTrial.reboot()).isEqualTo("B");
    }

    @AfterAll
    static void report() throws IOException {
        StringBuilder report = new StringBuilder(String.format("kill -9: %d kill points, %d bricked%n", points,
                BRICKED.size()));
        TABLE.forEach((row, outcomes) -> outcomes.forEach((o, n) ->
                report.append(String.format("  %-62s %4d  %s%n", row, n, o))));
        BRICKED.forEach(b -> report.append("  BRICKED ").append(b).append('\n'));
        System.out.println(report);
        Files.writeString(Path.of("target", "crash-report.txt"), report);
        SimulatedDevice.at(dir).delete();
    }

    @Test
    void anInstallKilledAnywhereResumesAndTheDeviceNeverBootsAnUnverifiedSlot() throws Exception {
        long events = calibrate(fresh, "install");
        int n = Integer.getInteger("crash.points", 8);
        List<Long> cuts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long at = 1 + Math.round((double) i * (events - 1) / Math.max(1, n - 1));
            if (cuts.isEmpty() || cuts.get(cuts.size() - 1) != at) {
                cuts.add(at);
            }
        }
        killAt(fresh, "install", cuts);
        assertThat(BRICKED).isEmpty();
    }

    @Test
    void bootCheckAndMarkGoodKilledAtEveryStepNeverBrickTheDevice() throws Exception {
        for (String step : List.of("boot-check", "mark-good")) {
            long events = calibrate(onTrial, step);
            List<Long> cuts = new ArrayList<>();
            for (long at = 1; at <= events; at++) {
                cuts.add(at);
            }
            killAt(onTrial, step, cuts);
        }
        assertThat(BRICKED).isEmpty();
    }

    /** Runs {@code step} to its end on a copy; returns how many durable operations it makes. */
    static long calibrate(SimulatedDevice template, String step) throws Exception {
        SimulatedDevice d = template.copyTo(dir.resolve("calibrate-" + step));
        String line = run(d, step, Long.MAX_VALUE).line();
        d.delete();
        assertThat(line).startsWith("DONE ");
        long events = Long.parseLong(line.substring(5).trim());
        assertThat(events).isPositive();
        return events;
    }

    static void killAt(SimulatedDevice template, String step, List<Long> cuts) throws Exception {
        for (long at : cuts) {
            points++;
            SimulatedDevice d = template.copyTo(dir.resolve(step + "-kill-" + at));
            Child c = run(d, step, at);
            String row = c.line().startsWith("CUT ") ? c.line().replaceFirst("^CUT \\d+ ", "")
                    : "(ended before kill point " + at + ")";
            String outcome;
            try {
                // Killed in the install (activation included): B never booted, so nothing may count as its trial.
                boolean beforeTrial = step.equals("install") && c.line().startsWith("CUT ");
                outcome = NextBoot.check(d, bundle, imageA, imageB, CrashChild.SETTINGS, beforeTrial).label();
            } catch (NextBoot.Bricked e) {
                outcome = "BRICKED";
                BRICKED.add(step + " killed at " + at + " (" + row + "): " + e.getMessage());
            }
            synchronized (TABLE) {
                TABLE.computeIfAbsent(row, k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
            }
            d.delete();
        }
    }

    /** What the child printed last: CUT (then it was killed) or DONE. */
    record Child(String line) {
    }

    /** Starts the child; kills it with SIGKILL when it reports its cut point. */
    static Child run(SimulatedDevice d, String step, long cutAt) throws Exception {
        Path err = d.dir.resolve("child.err");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
                d.dir.toString(), step, bundle.toString(), Long.toString(cutAt))
                .redirectError(err.toFile());
        Process p = pb.start();
        String last = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("CUT ")) {
                    // SIGKILL: the kernel keeps what was written, the process loses everything else.
                    p.destroyForcibly();
                    last = line;
                    break;
                }
                if (line.startsWith("DONE ")) {
                    last = line;
                }
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child did not end: " + step + " at " + cutAt);
        }
        if (last == null) {
            throw new AssertionError("child failed (exit " + p.exitValue() + "): " + Files.readString(err));
        }
        return new Child(last);
    }
}
