package dev.tandem.install.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.FileSource;
import dev.tandem.bundle.fuzz.SeedBundle;
import dev.tandem.install.InstallListener;
import dev.tandem.install.InstallPhase;
import dev.tandem.install.InstallSettings;
import dev.tandem.install.TargetWrapping;
import dev.tandem.slot.state.DeviceSlots;
import dev.tandem.slot.policy.InstallOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ARCHITECTURE.md §10: the power is cut at every write barrier of install, activate and boot-check (mark-good), with
 * the unsynced writes kept, dropped or torn; then the device boots again ({@link NextBoot}). No cut may brick
 * it: the slot that boots always holds a verified image, and the update always completes. A cut before B could
 * boot (install, activation) must not make boot-check record the good bundle as failed: the install is then run
 * again without {@code --retry}.
 *
 * <p>Every durable write goes through the simulator: the targets, status.json, the bootloader's state, the
 * install journal (install.json) and the saved tables (slots/*.idx, *.blk). Two devices: B unbootable (empty), and B bootable behind A (an old image in
 * the boot order), whose mark-writing bootloader write is then cut too. The installer runs one worker, so the
 * barriers come in the same order in every run, and each target sync is cut with every policy (there the
 * unsynced writes matter); other barriers take the policies in turns. {@code -Dpowercut.policies=all} cuts every
 * barrier with every policy.
 */
class PowerCutMatrixTest {

    static Path dir;
    static SeedBundle seed;
    static Path bundle;
    static byte[] imageA;
    static byte[] imageB;
    /** One worker: the order of the barriers (target syncs, journal writes) must not depend on thread timing. */
    static final InstallSettings SETTINGS = new InstallSettings(1, 64 * 1024, 512 * 1024, true, 32,
            Clock.systemUTC());

    @BeforeAll
    static void device() throws IOException {
        dir = ScratchDisk.directory("powercut");
        seed = SeedBundle.create(dir, "powercut-device", 40 * SeedBundle.CHUNK_SIZE + 999);
        bundle = dir.resolve("update.tandem");
        Files.write(bundle, seed.bytes);
        imageB = seed.image("rootfs").content();
        imageA = imageB.clone();
        for (int i = 0; i < imageA.length; i += 2 * SeedBundle.CHUNK_SIZE) {
            imageA[i] ^= 0x5a;
        }
    }

    @AfterAll
    static void clean() throws IOException {
        SimulatedDevice.at(dir).delete();
    }

    /** A booted and good, B empty and unbootable. */
    static SimulatedDevice bUnbootable() throws IOException {
        return SimulatedDevice.create(dir.resolve("template-b-unbootable"), "powercut-device", seed.keyringPem(),
                imageA, 1 << 20, "");
    }

    /** A booted, good and first in the boot order; B holds an old image and is bootable behind A. */
    static SimulatedDevice bBootable() throws IOException {
        SimulatedDevice d = SimulatedDevice.create(dir.resolve("template-b-bootable"), "powercut-device",
                seed.keyringPem(), imageA, 1 << 20, "");
        Files.copy(d.slotA(), d.slotB(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        d.bootloader().markGood("B");
        d.bootloader().markGood("A");
        assertThat(d.bootloader().state("B").bootable()).isTrue();
        assertThat(d.bootloader().primary()).contains("A");
        return d;
    }

    /** Install, activate, reboot into B, boot-check: every durable write through {@code cut}. */
    static void sequence(SimulatedDevice d, PowerCut cut, String[] phase) throws IOException {
        DeviceSlots slots = d.slots(cut::wrap);
        try (FileSource s = FileSource.open(bundle)) {
            TargetWrapping.installer(slots, SETTINGS, cut::wrap, cut::wrap, cut::wrap).install(s, InstallOptions.defaults(),
                    new InstallListener() {
                        @Override
                        public void phase(InstallPhase p, String detail) {
                            phase[0] = "install " + p.name().toLowerCase();
                        }
                    });
        }
        phase[0] = "reboot";
        d.reboot();
        phase[0] = "boot-check";
        d.bootCheck(d.slots(cut::wrap));
    }

    @Test
    void noPowerCutBricksTheDeviceWhenBIsUnbootable() throws IOException {
        cutEverywhere(bUnbootable(), "powercut-report.txt");
    }

    @Test
    void noPowerCutBricksTheDeviceWhenBIsBootable() throws IOException {
        cutEverywhere(bBootable(), "powercut-report-b-bootable.txt");
    }

    static void cutEverywhere(SimulatedDevice template, String reportFile) throws IOException {
        SimulatedDevice calibration = template.copyTo(dir.resolve(template.dir.getFileName() + "-calibration"));
        PowerCut none = new PowerCut(Integer.MAX_VALUE, PowerCut.Policy.KEEP, 0);
        sequence(calibration, none, new String[1]);
        calibration.delete();
        int barriers = none.barriers();
        List<String> names = none.barrierNames();
        assertThat(barriers).isGreaterThan(10);
        assertThat(names).as("the journal goes through the simulator").anyMatch(n -> n.contains("install.json"));
        assertThat(names).as("the saved tables go through the simulator")
                .anyMatch(n -> n.startsWith("sync ") && n.endsWith(".idx.partial"))
                .anyMatch(n -> n.equals("rename of rootfs.1.blk"));

        boolean all = "all".equals(System.getProperty("powercut.policies"));
        Map<String, Map<String, Integer>> table = new TreeMap<>();
        List<String> bricked = new ArrayList<>();
        int scenarios = 0;
        for (int at = 1; at <= barriers; at++) {
            boolean targetSync = names.get(at - 1).startsWith("sync ");
            for (PowerCut.Policy policy : PowerCut.Policy.values()) {
                if (!all && !targetSync && policy.ordinal() != at % 3) {
                    continue;
                }
                scenarios++;
                SimulatedDevice d = template.copyTo(dir.resolve("cut-" + at + "-" + policy));
                PowerCut cut = new PowerCut(at, policy, 31L * at + policy.ordinal());
                String[] phase = {"install"};
                try {
                    sequence(d, cut, phase);
                } catch (PowerCut.Cut expected) {
                    // The power went; what follows is the next boot.
                }
                assertThat(cut.barrierNames()).as("barrier %d is the same in every run", at)
                        .isEqualTo(names.subList(0, Math.min(at, names.size())));
                String row = !cut.happened() ? "(no cut: the sequence ended before barrier " + at + ")"
                        : phase[0] + ": " + cut.what();
                boolean beforeTrial = cut.happened() && phase[0].startsWith("install");
                String outcome;
                try {
                    outcome = NextBoot.check(d, bundle, imageA, imageB, SETTINGS, beforeTrial).label();
                } catch (NextBoot.Bricked e) {
                    outcome = "BRICKED";
                    bricked.add(cut.where() + " in " + phase[0] + ": " + e.getMessage());
                }
                table.computeIfAbsent(row, k -> new TreeMap<>()).merge(outcome + " [" + policy + "]", 1, Integer::sum);
                d.delete();
            }
        }
        StringBuilder report = new StringBuilder(String.format("power cuts (%s): %d barriers, %d cut points, %d "
                + "bricked%n", template.dir.getFileName(), barriers, scenarios, bricked.size()));
        table.forEach((row, outcomes) -> outcomes.forEach((o, n) ->
                report.append(String.format("  %-58s %3d  %s%n", row, n, o))));
        bricked.forEach(b -> report.append("  BRICKED ").append(b).append('\n'));
        System.out.println(report);
        Files.writeString(Path.of("target", reportFile), report);
        template.delete();
        assertThat(bricked).isEmpty();
    }
}
