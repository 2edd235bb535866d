package dev.tandem.boot;

import dev.tandem.storage.StorageCut;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.storage.DurableFile;
import dev.tandem.storage.FileBlockTarget;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ARCHITECTURE.md §10: power is cut at every durable step of an environment write (and, for U-Boot, the cut write is
 * torn at every 512-byte boundary). After each cut the environment must still be readable, by tandem and by the
 * bootloader's own tool, and the bootloader must boot the slot it would have booted either before or after the
 * operation, never something else. barebox-state writes its state itself and cannot be cut from here; its
 * buckets carry their own CRCs (dt-utils).
 */
class PowerCutDuringEnvWriteTest {

    @TempDir
    Path tmp;

    private int copies;

    /** A copy of {@code dir} in a fresh directory. */
    Path copy(Path dir) throws IOException {
        Path to = tmp.resolve("copy-" + copies++);
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    @FunctionalInterface
    interface Operation {
        void apply(BootloaderAdapter adapter);
    }

    @FunctionalInterface
    interface AdapterFactory {
        BootloaderAdapter open(Path dir, StorageCut cut) throws Exception;
    }

    @FunctionalInterface
    interface Boot {
        String powerOn(Path dir) throws Exception;
    }

    @FunctionalInterface
    interface Check {
        void readable(Path dir) throws Exception;
    }

    /**
     * Runs {@code op} on copies of {@code state} with the power cut at step 1, 2, … (and each torn size) until
     * it completes; checks every cut state. Returns how many cut states were checked.
     */
    int cutEverywhere(Path state, AdapterFactory factory, Operation op, Boot boot, Check check, List<Integer> tornSizes)
            throws Exception {
        String before = boot.powerOn(copy(state));
        Path done = copy(state);
        op.apply(factory.open(done, StorageCut.none()));
        String after = boot.powerOn(copy(done));
        int checked = 0;
        for (int at = 1; ; at++) {
            boolean completed = true;
            for (int torn : tornSizes) {
                Path dir = copy(state);
                StorageCut cut = StorageCut.at(at, torn);
                try {
                    op.apply(factory.open(dir, cut));
                } catch (BootloaderException e) {
                    assertThat(cut.happened()).as("only the cut may fail the write: %s", e.getMessage()).isTrue();
                }
                if (!cut.happened()) {
                    continue;
                }
                completed = false;
                checked++;
                check.readable(dir);
                factory.open(dir, StorageCut.none()).primary(); // tandem can read it
                assertThat(boot.powerOn(dir)).as("cut at step %d, %d bytes torn", at, torn).isIn(before, after);
            }
            if (completed) {
                return checked;
            }
        }
    }

    @Nested
    class Grub {

        Path state;

        BootloaderAdapter open(Path dir, StorageCut cut) {
            Path grubenv = dir.resolve("grubenv");
            return new GrubEnvAdapter(cut.wrap(DurableFile.at(grubenv)),
                    cut.wrap(DurableFile.at(GrubEnvAdapter.backupOf(grubenv))), List.of("A", "B"), 1);
        }

        String boot(Path dir) throws Exception {
            return new GrubCfgSimulator(dir.resolve("grubenv")).powerOn();
        }

        void readable(Path dir) {
            assumeTrue(Tools.installed("grub-editenv"),
                    "grub-editenv is not installed: cannot check that the bootloader's tool reads each cut state");
            Path grubenv = dir.resolve("grubenv");
            GrubEnvAdapter.Env env = ((GrubEnvAdapter) open(dir, StorageCut.none())).load();
            Path used = env.source() == GrubEnvAdapter.Source.BACKUP ? GrubEnvAdapter.backupOf(grubenv) : grubenv;
            assertThat(Tools.ok(List.of("grub-editenv", used.toString(), "list"))).contains("ORDER=");
        }

        Path deviceOnA() throws Exception {
            Path dir = tmp.resolve("grub");
            Files.createDirectories(dir);
            open(dir, StorageCut.none()).markGood("A");
            boot(dir);
            open(dir, StorageCut.none()).rearm("A");
            return dir;
        }

        int cut(Path state, Operation op) throws Exception {
            return cutEverywhere(state, this::open, op, this::boot, this::readable, List.of(0));
        }

        @Test
        void installSurvivesACutAtEveryStep() throws Exception {
            assertThat(cut(deviceOnA(), a -> {
                a.markBad("B");
                a.setTryOnce("B");
            })).isEqualTo(4);
        }

        @Test
        void markGoodAfterTheTrialBootSurvivesACutAtEveryStep() throws Exception {
            Path dir = deviceOnA();
            open(dir, StorageCut.none()).setTryOnce("B");
            assertThat(boot(dir)).isEqualTo("B");
            assertThat(cut(dir, a -> a.markGood("B"))).isEqualTo(2);
        }

        @Test
        void rearmSurvivesACutAtEveryStep() throws Exception {
            Path dir = deviceOnA();
            assertThat(boot(dir)).isEqualTo("A");
            assertThat(cut(dir, a -> a.rearm("A"))).isEqualTo(2);
        }

        @Test
        void aGrubenvTornByGrubsOwnSaveEnvFallsBackToTheBackup() throws Exception {
            Path dir = deviceOnA();
            open(dir, StorageCut.none()).setTryOnce("B");
            byte[] env = Files.readAllBytes(dir.resolve("grubenv"));
            java.util.Arrays.fill(env, 0, 512, (byte) 0); // first sector lost mid-write
            Files.write(dir.resolve("grubenv"), env);
            assertThat(open(dir, StorageCut.none()).primary()).contains("B");
            assertThat(boot(dir)).isEqualTo("B");
        }
    }

    @Nested
    class UBoot {

        static final int SIZE = 0x2000;

        FwEnvConfig config(Path dir, boolean redundant) throws IOException {
            Path disk = dir.resolve("disk.img");
            String text = disk + " 0x2000 0x2000\n" + (redundant ? disk + " 0x6000 0x2000\n" : "");
            Files.writeString(dir.resolve("fw_env.config"), text);
            return FwEnvConfig.parse(text, "test");
        }

        boolean redundant = true;

        BootloaderAdapter open(Path dir, StorageCut cut) throws IOException {
            return new UBootEnvAdapter(config(dir, redundant), (d, w) -> cut.wrap(
                    w ? FileBlockTarget.open(d) : FileBlockTarget.openReadOnly(d)), List.of("A", "B"), 1);
        }

        String boot(Path dir) throws Exception {
            return new BootCmdSimulator(config(dir, redundant)).powerOn();
        }

        void readable(Path dir) throws IOException {
            assumeTrue(Tools.installed("fw_printenv"),
                    "fw_printenv is not installed: cannot check that the bootloader's tool reads each cut state");
            config(dir, redundant);
            assertThat(Tools.ok(List.of("fw_printenv", "-c", dir.resolve("fw_env.config").toString())))
                    .contains("BOOT_ORDER=");
        }

        Path deviceOnA() throws Exception {
            Path dir = tmp.resolve("uboot");
            Files.createDirectories(dir);
            try (RandomAccessFile f = new RandomAccessFile(dir.resolve("disk.img").toFile(), "rw")) {
                f.setLength(0x10000);
            }
            ((UBootEnvAdapter) open(dir, StorageCut.none())).initEnv("A");
            boot(dir);
            open(dir, StorageCut.none()).rearm("A");
            return dir;
        }

        List<Integer> everySector() {
            List<Integer> sizes = new ArrayList<>();
            for (int torn = 0; torn <= SIZE; torn += 512) {
                sizes.add(torn);
            }
            return sizes;
        }

        int cut(Path state, Operation op) throws Exception {
            return cutEverywhere(state, this::open, op, this::boot, this::readable, everySector());
        }

        @Test
        void installSurvivesACutAndATornWriteAtEveryStep() throws Exception {
            // two writes of one copy each (write + sync), each cut at 17 torn sizes, plus 2 cut syncs × 17
            assertThat(cut(deviceOnA(), a -> {
                a.markBad("B");
                a.setTryOnce("B");
            })).isEqualTo(4 * everySector().size());
        }

        @Test
        void markGoodAfterTheTrialBootSurvivesACutAndATornWriteAtEveryStep() throws Exception {
            Path dir = deviceOnA();
            open(dir, StorageCut.none()).setTryOnce("B");
            assertThat(boot(dir)).isEqualTo("B");
            assertThat(cut(dir, a -> a.markGood("B"))).isPositive();
        }

        @Test
        void rearmSurvivesACutAndATornWriteAtEveryStep() throws Exception {
            Path dir = deviceOnA();
            assertThat(boot(dir)).isEqualTo("A");
            assertThat(cut(dir, a -> a.rearm("A"))).isPositive();
        }

        @Test
        void aSingleCopyTornMidWriteIsLostAndTheScriptBootsTheFactoryDefault() throws Exception {
            redundant = false;
            Path dir = deviceOnA();
            // An environment longer than one sector, as real ones are (bootcmd, board variables).
            Map<String, String> vars = new java.util.LinkedHashMap<>();
            vars.put("board_script", "x".repeat(1500)); // first, so that the slot variables sit past sector 0
            vars.putAll(((UBootEnvAdapter) open(dir, StorageCut.none())).variables());
            try (FileBlockTarget t = FileBlockTarget.open(dir.resolve("disk.img"))) {
                t.write(java.nio.ByteBuffer.wrap(UBootEnvCodec.encode(vars, 0, SIZE, false)), 0x2000);
            }
            StorageCut cut = StorageCut.at(1, 512);
            assertThatThrownBy(() -> open(dir, cut).setTryOnce("B")).isInstanceOf(BootloaderException.class);
            // Why two copies are recommended: tandem refuses the lost environment, U-Boot uses its default.
            assertThatThrownBy(() -> open(dir, StorageCut.none()).primary()).isInstanceOf(BootloaderException.class);
            assertThat(boot(dir)).isEqualTo("A");
        }
    }

    @Nested
    class Efi {

        BootloaderAdapter open(Path dir, StorageCut cut) {
            return new EfiBootNextAdapter(dir, p -> cut.wrap(DurableFile.efiVariable(p)), List.of("A", "B"), Map.of());
        }

        String boot(Path dir) throws Exception {
            return new UefiFirmwareSimulator(dir).powerOn();
        }

        void readable(Path dir) {
            assumeTrue(Tools.installed("efibootmgr"),
                    "efibootmgr is not installed: cannot check that the bootloader's tool reads each cut state");
            assertThat(Tools.ok(List.of("efibootmgr"), Map.of("EFIVARFS_PATH", dir + "/"))).contains("BootOrder:");
        }

        Path deviceOnA() throws Exception {
            Path dir = tmp.resolve("efi");
            Files.createDirectories(dir);
            EfiBootNextAdapterTest.firmwareWithGoodSlotA(dir);
            return dir;
        }

        int cut(Path state, Operation op) throws Exception {
            return cutEverywhere(state, this::open, op, this::boot, this::readable, List.of(0));
        }

        @Test
        void trialAndCommitSurviveACutAtEveryStep() throws Exception {
            Path dir = deviceOnA();
            assertThat(cut(dir, a -> a.setTryOnce("B"))).isEqualTo(1);
            open(dir, StorageCut.none()).setTryOnce("B");
            assertThat(boot(dir)).isEqualTo("B");
            assertThat(cut(dir, a -> a.markGood("B"))).isEqualTo(1);
        }

        @Test
        void markBadOfAGoodSlotSurvivesACutAtEveryStep() throws Exception {
            Path dir = deviceOnA();
            BootloaderAdapter a = open(dir, StorageCut.none());
            a.markGood("B");
            a.setTryOnce("B");
            assertThat(cut(dir, x -> x.markBad("B"))).isEqualTo(2);
        }
    }
}
