package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.storage.DurableFile;
import dev.tandem.storage.FileBlockTarget;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Walks every adapter through an update: install B (mark it bad, write, try-once), reboot, and then the health
 * check marks B good, marks it bad, or never gets to mark it at all (a panic or hang); then more boots. The
 * bootloader side is each bootloader's own rule set, simulated in test code (contrib/grub.cfg, contrib/boot.cmd,
 * the UEFI boot manager, barebox's bootchooser over the real barebox-state, the file adapter's simulateBoot).
 * boot-check's part is played here: a good booted slot is re-armed, a trial slot is marked good or bad.
 */
class FallbackAfterTrialBootTest {

    @TempDir
    Path dir;

    record Harness(BootloaderAdapter adapter, BootSimulator bootloader) {
    }

    @FunctionalInterface
    interface Setup {
        /** A device that booted A, whose boot-check found it good; boot-attempts as given. */
        Harness create(Path dir, int attempts) throws Exception;
    }

    static Harness grub(Path dir, int attempts) throws Exception {
        Path grubenv = dir.resolve("grubenv");
        GrubEnvAdapter adapter = new GrubEnvAdapter(DurableFile.at(grubenv),
                DurableFile.at(GrubEnvAdapter.backupOf(grubenv)), List.of("A", "B"), attempts);
        adapter.markGood("A"); // factory provisioning
        return new Harness(adapter, new GrubCfgSimulator(grubenv));
    }

    static Harness uboot(Path dir, int attempts) throws Exception {
        Path disk = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(0x10000);
        }
        FwEnvConfig config = FwEnvConfig.parse(disk + " 0x2000 0x2000\n" + disk + " 0x6000 0x2000\n", "test");
        UBootEnvAdapter adapter = new UBootEnvAdapter(config,
                (d, w) -> w ? FileBlockTarget.open(d) : FileBlockTarget.openReadOnly(d), List.of("A", "B"), attempts);
        adapter.initEnv("A");
        return new Harness(adapter, new BootCmdSimulator(config));
    }

    static Harness efi(Path dir, int attempts) throws Exception {
        EfiBootNextAdapterTest.firmwareWithGoodSlotA(dir);
        return new Harness(new EfiBootNextAdapter(dir, DurableFile::efiVariable, List.of("A", "B"), Map.of()),
                new UefiFirmwareSimulator(dir));
    }

    static Harness barebox(Path dir, int attempts) throws Exception {
        BareboxStateFixture state = BareboxStateFixture.create(dir);
        BareboxStateAdapter adapter = new BareboxStateAdapter(state.command(), null, List.of("A", "B"), attempts);
        adapter.rearm("A");
        return new Harness(adapter, new BootchooserSimulator(state));
    }

    static Harness file(Path dir, int attempts) {
        FileAdapter adapter = new FileAdapter(DurableFile.at(dir.resolve("bootloader.json")), List.of("A", "B"), attempts);
        return new Harness(adapter, () -> adapter.simulateBoot().orElseThrow());
    }

    static Stream<Arguments> bootloaders() {
        return Stream.of(
                Arguments.of("grub", (Setup) FallbackAfterTrialBootTest::grub),
                Arguments.of("uboot", (Setup) FallbackAfterTrialBootTest::uboot),
                Arguments.of("efi", (Setup) FallbackAfterTrialBootTest::efi),
                Arguments.of("barebox", (Setup) FallbackAfterTrialBootTest::barebox),
                Arguments.of("file", (Setup) FallbackAfterTrialBootTest::file));
    }

    static Stream<Arguments> bootloadersWithCounters() {
        return bootloaders().filter(a -> List.of("uboot", "barebox", "file").contains(a.get()[0]));
    }

    /** A device running A, after boot-check. */
    Harness deviceOnA(Setup setup, int attempts) throws Exception {
        Harness h = setup.create(dir, attempts);
        assertThat(boot(h)).isEqualTo("A");
        h.adapter().rearm("A");
        return h;
    }

    static String boot(Harness h) throws Exception {
        return h.bootloader().powerOn();
    }

    static void install(Harness h) {
        h.adapter().markBad("B"); // before the first byte is written
        h.adapter().setTryOnce("B"); // after the image is checked
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bootloaders")
    void aTrialSlotMarkedGoodKeepsBooting(String name, Setup setup) throws Exception {
        Harness h = deviceOnA(setup, 1);
        install(h);
        assertThat(boot(h)).isEqualTo("B");
        h.adapter().markGood("B");
        for (int i = 0; i < 3; i++) {
            assertThat(boot(h)).as("boot %d after mark-good", i + 1).isEqualTo("B");
            h.adapter().rearm("B");
        }
        assertThat(h.adapter().state("A").bootable()).as("A stays the fallback").isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bootloaders")
    void aTrialSlotNeverMarkedFallsBackAndStaysBack(String name, Setup setup) throws Exception {
        Harness h = deviceOnA(setup, 1);
        install(h);
        assertThat(boot(h)).isEqualTo("B");
        // B panics or hangs before its health check: nothing is marked.
        assertThat(boot(h)).as("fallback boot").isEqualTo("A");
        h.adapter().rearm("A");
        // Without boot-check marking B bad, the bootloader alone must keep off B (the 4th-boot gotcha).
        assertThat(boot(h)).as("boot after the fallback").isEqualTo("A");
        h.adapter().rearm("A");
        h.adapter().markBad("B"); // boot-check notices the fallback
        assertThat(boot(h)).isEqualTo("A");
        h.adapter().rearm("A");
        assertThat(h.adapter().primary()).contains("A");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bootloaders")
    void aTrialSlotMarkedBadFallsBackToTheOldSlot(String name, Setup setup) throws Exception {
        Harness h = deviceOnA(setup, 1);
        install(h);
        assertThat(boot(h)).isEqualTo("B");
        h.adapter().markBad("B"); // health check failed; reboot-command follows
        assertThat(boot(h)).isEqualTo("A");
        h.adapter().rearm("A");
        assertThat(boot(h)).isEqualTo("A");
        assertThat(h.adapter().state("B").bootable()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bootloaders")
    void aPowerCutDuringTheInstallLeavesTheOldSlotBooting(String name, Setup setup) throws Exception {
        Harness h = deviceOnA(setup, 1);
        h.adapter().markBad("B"); // then power fails while B is half written: try-once never happens
        assertThat(boot(h)).isEqualTo("A");
        h.adapter().rearm("A");
        assertThat(boot(h)).isEqualTo("A");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bootloadersWithCounters")
    void aTrialSlotGetsEveryBootAttemptBeforeTheFallback(String name, Setup setup) throws Exception {
        Harness h = deviceOnA(setup, 3);
        install(h);
        for (int i = 0; i < 3; i++) {
            assertThat(boot(h)).as("attempt %d", i + 1).isEqualTo("B");
        }
        assertThat(boot(h)).isEqualTo("A");
        h.adapter().rearm("A");
        assertThat(boot(h)).isEqualTo("A");
    }
}
