package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.storage.FileBlockTarget;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UBootEnvAdapterTest extends BootloaderAdapterContract {

    static final int SIZE = 0x2000;
    static final long FIRST = 0x2000;
    static final long SECOND = 0x6000;

    @TempDir
    Path dir;

    Path disk() {
        return dir.resolve("disk.img");
    }

    Path config() {
        return dir.resolve("fw_env.config");
    }

    static UBootEnvAdapter.AreaOpener files() {
        return (device, writable) -> writable ? FileBlockTarget.open(device) : FileBlockTarget.openReadOnly(device);
    }

    /** A 64 KiB "disk" with two zeroed environment areas, like an eMMC before the first saveenv. */
    void blankDisk(boolean redundant) throws Exception {
        Files.deleteIfExists(disk());
        try (RandomAccessFile f = new RandomAccessFile(disk().toFile(), "rw")) {
            f.setLength(0x10000);
        }
        String cfg = "# test disk\n" + disk() + " 0x" + Long.toHexString(FIRST) + " 0x" + Integer.toHexString(SIZE) + "\n"
                + (redundant ? disk() + " 0x" + Long.toHexString(SECOND) + " 0x" + Integer.toHexString(SIZE) + "\n" : "");
        Files.writeString(config(), cfg);
    }

    UBootEnvAdapter open(int attempts) {
        return new UBootEnvAdapter(FwEnvConfig.read(config()), files(), List.of("A", "B"), attempts);
    }

    @Override
    protected BootloaderAdapter adapterWithGoodSlotA() throws Exception {
        blankDisk(true);
        UBootEnvAdapter a = open(1);
        assertThat(a.initEnv("A")).isTrue();
        return a;
    }

    @Override
    protected BootloaderAdapter reopen() {
        return open(1);
    }

    @Override
    protected List<Path> storage() {
        return List.of(disk());
    }

    @Override
    protected String expectedName() {
        return "uboot";
    }

    byte[] area(long offset) throws Exception {
        byte[] all = Files.readAllBytes(disk());
        return Arrays.copyOfRange(all, (int) offset, (int) offset + SIZE);
    }

    @Test
    void writesOnlyTheInactiveCopyWithTheNextFlag() throws Exception {
        UBootEnvAdapter.Loaded before = ((UBootEnvAdapter) adapter).load();
        int active = before.active();
        long activeOffset = active == 0 ? FIRST : SECOND;
        byte[] activeBytes = area(activeOffset);
        adapter.setTryOnce("B");
        assertThat(area(activeOffset)).isEqualTo(activeBytes);
        UBootEnvAdapter.Loaded after = ((UBootEnvAdapter) adapter).load();
        assertThat(after.active()).isEqualTo(1 - active);
        assertThat(after.copies().get(1 - active).orElseThrow().flag())
                .isEqualTo((before.copies().get(active).orElseThrow().flag() + 1) & 0xff);
    }

    @Test
    void alternatesCopiesThroughTheFlagWrap() {
        for (int i = 0; i < 300; i++) {
            adapter.setTryOnce(i % 2 == 0 ? "B" : "A");
            assertThat(adapter.primary()).contains(i % 2 == 0 ? "B" : "A");
        }
    }

    @Test
    void markBadTakesTheSlotOutOfBootOrder() {
        adapter.setTryOnce("B");
        adapter.markBad("B");
        assertThat(((UBootEnvAdapter) adapter).variables()).containsEntry("BOOT_ORDER", "A")
                .containsEntry("BOOT_B_LEFT", "0");
    }

    @Test
    void rearmRestoresBootAttemptsAfterTheScriptSpentOne() throws Exception {
        blankDisk(true);
        UBootEnvAdapter a = open(3);
        a.initEnv("A");
        a.setTryOnce("B");
        assertThat(a.state("B")).isEqualTo(new BootSlotState("B", true, 3));
        a.rearm("A");
        assertThat(a.state("A").attemptsLeft()).isEqualTo(3);
    }

    @Test
    void refusesToWorkWithoutAValidCopy() throws Exception {
        blankDisk(true);
        UBootEnvAdapter a = open(1);
        assertThatThrownBy(a::primary).isInstanceOf(BootloaderException.class).hasMessageContaining("fw_setenv");
        assertThatThrownBy(() -> a.markGood("A")).isInstanceOf(BootloaderException.class);
        assertThat(Files.readAllBytes(disk())).containsOnly(0);
    }

    @Test
    void theCommandTheRefusalNamesInitialisesTheEnvironment() throws Exception {
        assumeTrue(Tools.installed("fw_setenv"), "fw_setenv not installed");
        blankDisk(true);
        UBootEnvAdapter a = open(3);
        String message = catchThrowableOfType(BootloaderException.class, a::primary).getMessage();
        assertThat(message).contains("'env default -a; saveenv'").doesNotContain("--init-env");
        Matcher m = Pattern.compile("'(fw_setenv [^']*)'").matcher(message);
        assertThat(m.find()).as(message).isTrue();
        assertThat(m.group(1)).isEqualTo("fw_setenv -c " + config() + " -f DEFAULT_ENV BOOT_ORDER \"A B\""
                + " BOOT_A_LEFT 3 BOOT_B_LEFT 0");
        // Run it as a user would, with the board's default environment.
        Path defaults = Files.writeString(dir.resolve("u-boot-initial-env"), "bootcmd=run tandem_boot\nbootdelay=2\n");
        Process p = new ProcessBuilder("sh", "-c", m.group(1).replace("DEFAULT_ENV", defaults.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        UBootEnvAdapter after = open(3);
        assertThat(after.primary()).hasValue("A");
        assertThat(after.state("A").attemptsLeft()).isEqualTo(3);
        assertThat(after.state("B").attemptsLeft()).isZero();
        after.setTryOnce("B");
        assertThat(Tools.ok(List.of("fw_printenv", "-c", config().toString(), "bootcmd")))
                .contains("bootcmd=run tandem_boot");
    }

    @Test
    void initEnvLeavesAValidEnvironmentAlone() {
        adapter.setTryOnce("B");
        assertThat(((UBootEnvAdapter) adapter).initEnv("A")).isFalse();
        assertThat(adapter.primary()).contains("B");
    }

    @Test
    void worksWithASingleCopy() throws Exception {
        blankDisk(false);
        UBootEnvAdapter a = open(1);
        a.initEnv("A");
        a.setTryOnce("B");
        assertThat(open(1).primary()).contains("B");
        assertThat(UBootEnvCodec.decode(area(FIRST), false)).isPresent();
    }

    @Test
    void treatsAnUnsetBootOrderAsTheScriptsDefault() throws Exception {
        blankDisk(false);
        Files.write(disk(), writeAt(Files.readAllBytes(disk()), FIRST,
                UBootEnvCodec.encode(Map.of("BOOT_A_LEFT", "1", "BOOT_B_LEFT", "1"), 0, SIZE, false)));
        assertThat(open(1).primary()).contains("A");
    }

    @Test
    void mirrorsTheSecurityFloorAndNeverLowersIt() {
        adapter.raiseSecurityFloor(9);
        adapter.raiseSecurityFloor(2);
        assertThat(reopen().securityFloor()).isEqualTo(OptionalLong.of(9));
    }

    @Test
    void refusesMtdDevices() {
        FwEnvConfig cfg = FwEnvConfig.parse("/dev/mtd1 0 0x10000\n", "t");
        assertThatThrownBy(() -> new UBootEnvAdapter(cfg, files(), List.of("A", "B"), 1))
                .isInstanceOf(BootloaderException.class).hasMessageContaining("MTD");
    }

    @Test
    void liftsAndRestoresForceRoOfAnEmmcBootPartition() throws Exception {
        Path dev = dir.resolve("mmcblk0boot1");
        try (RandomAccessFile f = new RandomAccessFile(dev.toFile(), "rw")) {
            f.setLength(0x10000);
        }
        Path sys = dir.resolve("sys");
        Files.createDirectories(sys.resolve("mmcblk0boot1"));
        Path forceRo = sys.resolve("mmcblk0boot1").resolve("force_ro");
        Files.writeString(forceRo, "1\n");
        FwEnvConfig cfg = FwEnvConfig.parse(dev + " 0 0x2000\n" + dev + " 0x2000 0x2000\n", "t");
        UBootEnvAdapter a = new UBootEnvAdapter(cfg, files(), List.of("A", "B"), 1, sys);
        assertThat(a.initEnv("A")).isTrue();
        assertThat(Files.readString(forceRo).trim()).isEqualTo("1");
        assertThat(a.primary()).contains("A");
    }

    static byte[] writeAt(byte[] all, long offset, byte[] part) {
        System.arraycopy(part, 0, all, (int) offset, part.length);
        return all;
    }

    /** Interoperation with the real fw_printenv/fw_setenv (libubootenv) and mkenvimage. */
    @Nested
    class WithLibubootenv {

        String printenv(String... names) {
            assumeTrue(Tools.installed("fw_printenv"), "fw_printenv not installed");
            List<String> cmd = new ArrayList<>(List.of("fw_printenv", "-c", config().toString()));
            cmd.addAll(List.of(names));
            return Tools.ok(cmd);
        }

        void setenv(String name, String value) {
            assumeTrue(Tools.installed("fw_setenv"), "fw_setenv not installed");
            Tools.ok(List.of("fw_setenv", "-c", config().toString(), name, value));
        }

        @Test
        void fwPrintenvReadsWhatTandemWroteToARedundantPair() {
            adapter.setTryOnce("B");
            assertThat(printenv().lines()).contains("BOOT_ORDER=B A", "BOOT_B_LEFT=1", "BOOT_A_LEFT=1");
        }

        @Test
        void fwPrintenvReadsWhatTandemWroteToASingleCopy() throws Exception {
            blankDisk(false);
            UBootEnvAdapter a = open(1);
            a.initEnv("A");
            a.setTryOnce("B");
            assertThat(printenv().lines()).contains("BOOT_ORDER=B A", "BOOT_B_LEFT=1");
        }

        @Test
        void tandemReadsWhatFwSetenvWrote() {
            setenv("BOOT_ORDER", "B A");
            setenv("BOOT_B_LEFT", "2");
            assertThat(reopen().primary()).contains("B");
            assertThat(reopen().state("B").attemptsLeft()).isEqualTo(2);
        }

        @Test
        void agreesWithFwSetenvOnTheActiveCopyAcrossTheFlagWrap() {
            for (int i = 0; i < 140; i++) {
                adapter.rearm("A");
                setenv("BOOT_A_LEFT", "5");
                assertThat(reopen().state("A").attemptsLeft()).isEqualTo(5);
                adapter.rearm("A");
                assertThat(printenv("BOOT_A_LEFT").strip()).isEqualTo("BOOT_A_LEFT=1");
            }
        }

        @Test
        void keepsVariablesFwSetenvSet() {
            setenv("bootcmd", "run tandem_boot");
            setenv("ethaddr", "02:00:00:00:00:01");
            adapter.setTryOnce("B");
            adapter.markBad("B");
            assertThat(printenv().lines()).contains("bootcmd=run tandem_boot", "ethaddr=02:00:00:00:00:01",
                    "BOOT_ORDER=A");
        }

        @Test
        void fwPrintenvReadsAnEnvironmentMadeByInitEnv() throws Exception {
            blankDisk(true);
            open(1).initEnv("B");
            assertThat(printenv().lines()).contains("BOOT_ORDER=B A", "BOOT_B_LEFT=1", "BOOT_A_LEFT=0");
        }

        @Test
        void readsAnAreaFlashedFromAMkenvimageImage() throws Exception {
            assumeTrue(Tools.installed("mkenvimage"), "mkenvimage not installed");
            blankDisk(true);
            Path txt = dir.resolve("env.txt");
            Files.writeString(txt, "BOOT_ORDER=A B\nBOOT_A_LEFT=1\nBOOT_B_LEFT=0\n");
            Path img = dir.resolve("env.bin");
            Tools.ok(List.of("mkenvimage", "-r", "-s", "0x" + Integer.toHexString(SIZE), "-o", img.toString(),
                    txt.toString()));
            byte[] image = Files.readAllBytes(img);
            byte[] all = Files.readAllBytes(disk());
            writeAt(all, FIRST, image);
            writeAt(all, SECOND, image);
            Files.write(disk(), all);
            UBootEnvAdapter a = open(1);
            assertThat(a.primary()).contains("A");
            a.setTryOnce("B");
            assertThat(printenv().lines()).contains("BOOT_ORDER=B A");
        }
    }
}
