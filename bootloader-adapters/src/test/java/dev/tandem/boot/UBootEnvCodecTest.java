package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UBootEnvCodecTest {

    @TempDir
    Path dir;

    static Optional<UBootEnvCodec.Copy> copy(int flag) {
        return Optional.of(new UBootEnvCodec.Copy(flag, Map.of()));
    }

    @Test
    void roundTripsASingleCopy() {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("BOOT_ORDER", "A B");
        vars.put("bootcmd", "run x; run y");
        byte[] b = UBootEnvCodec.encode(vars, 0, 0x100, false);
        assertThat(UBootEnvCodec.decode(b, false).orElseThrow().vars()).isEqualTo(vars);
    }

    @Test
    void roundTripsARedundantCopyWithItsFlag() {
        byte[] b = UBootEnvCodec.encode(Map.of("a", "1"), 42, 0x100, true);
        assertThat(b[4]).isEqualTo((byte) 42);
        assertThat(UBootEnvCodec.decode(b, true).orElseThrow()).isEqualTo(new UBootEnvCodec.Copy(42, Map.of("a", "1")));
    }

    @Test
    void rejectsACopyWhoseCrcDoesNotMatch() {
        byte[] b = UBootEnvCodec.encode(Map.of("a", "1"), 0, 0x100, false);
        b[10] ^= 1;
        assertThat(UBootEnvCodec.decode(b, false)).isEmpty();
    }

    @Test
    void coversTheFlagByteOutsideTheCrc() {
        byte[] b = UBootEnvCodec.encode(Map.of("a", "1"), 1, 0x100, true);
        b[4] = 7;
        assertThat(UBootEnvCodec.decode(b, true).orElseThrow().flag()).isEqualTo(7);
    }

    @Test
    void readsEntriesAsHimportDoes() {
        byte[] data = "\0\0\0\0a=1\0noequals\0b=\0a=2\0\0c=ignored\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] area = new byte[64];
        System.arraycopy(data, 0, area, 0, data.length);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(area, 4, 60);
        java.nio.ByteBuffer.wrap(area).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
        assertThat(UBootEnvCodec.decode(area, false).orElseThrow().vars()).containsExactly(Map.entry("a", "2"));
    }

    @Test
    void refusesAnEnvironmentThatDoesNotFit() {
        assertThatThrownBy(() -> UBootEnvCodec.encode(Map.of("k", "x".repeat(100)), 0, 64, false))
                .isInstanceOf(BootloaderException.class);
    }

    @Test
    void picksTheValidCopyWhenOnlyOneIs() {
        assertThat(UBootEnvCodec.active(copy(9), Optional.empty())).isZero();
        assertThat(UBootEnvCodec.active(Optional.empty(), copy(0))).isEqualTo(1);
        assertThat(UBootEnvCodec.active(Optional.empty(), Optional.empty())).isEqualTo(-1);
    }

    @Test
    void picksTheHigherFlagWithZeroBeatingTwoHundredFiftyFive() {
        assertThat(UBootEnvCodec.active(copy(5), copy(4))).isZero();
        assertThat(UBootEnvCodec.active(copy(4), copy(5))).isEqualTo(1);
        assertThat(UBootEnvCodec.active(copy(255), copy(0))).isEqualTo(1);
        assertThat(UBootEnvCodec.active(copy(0), copy(255))).isZero();
        assertThat(UBootEnvCodec.active(copy(200), copy(3))).isZero();
    }

    @Test
    void picksTheFirstCopyOnEqualFlagsAsUBootDoes() {
        assertThat(UBootEnvCodec.active(copy(1), copy(1))).isZero();
    }

    @Test
    void readsImagesMadeByMkenvimage() throws Exception {
        assumeTrue(Tools.installed("mkenvimage"), "mkenvimage not installed");
        Path txt = dir.resolve("env.txt");
        Files.writeString(txt, "BOOT_ORDER=B A\nBOOT_B_LEFT=3\nbootdelay=0\n");
        Path single = dir.resolve("single.bin");
        Path redundant = dir.resolve("redundant.bin");
        Tools.ok(List.of("mkenvimage", "-s", "0x4000", "-o", single.toString(), txt.toString()));
        Tools.ok(List.of("mkenvimage", "-r", "-s", "0x4000", "-o", redundant.toString(), txt.toString()));
        Map<String, String> expected = Map.of("BOOT_ORDER", "B A", "BOOT_B_LEFT", "3", "bootdelay", "0");
        assertThat(UBootEnvCodec.decode(Files.readAllBytes(single), false).orElseThrow().vars()).isEqualTo(expected);
        UBootEnvCodec.Copy r = UBootEnvCodec.decode(Files.readAllBytes(redundant), true).orElseThrow();
        assertThat(r.vars()).isEqualTo(expected);
        assertThat(r.flag()).isEqualTo(1);
    }

    @Test
    void encodesWhatMkenvimageEncodesApartFromPadding() throws Exception {
        assumeTrue(Tools.installed("mkenvimage"), "mkenvimage not installed");
        Path txt = dir.resolve("env.txt");
        Files.writeString(txt, "a=1\nb=two words\n");
        Path img = dir.resolve("img.bin");
        Tools.ok(List.of("mkenvimage", "-p", "0", "-s", "0x1000", "-o", img.toString(), txt.toString()));
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("a", "1");
        vars.put("b", "two words");
        assertThat(UBootEnvCodec.encode(vars, 0, 0x1000, false)).isEqualTo(Files.readAllBytes(img));
    }

    // The limits, exactly (PIT found boundary changes no test noticed).

    /** An area of {@code size} bytes, non-redundant, holding {@code body} after the CRC, with the CRC right. */
    static byte[] area(String body, int size) {
        byte[] a = new byte[size];
        byte[] b = body.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(b, 0, a, 4, b.length);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(a, 4, size - 4);
        java.nio.ByteBuffer.wrap(a, 0, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
        return a;
    }

    @Test
    void anEnvironmentThatExactlyFillsTheAreaIsEncodedAndOneByteMoreIsRefused() {
        // 4 bytes of CRC, "a=" and 56 bytes of value, its NUL, the final NUL: 64 bytes.
        String fits = "v".repeat(56);
        byte[] b = UBootEnvCodec.encode(Map.of("a", fits), 0, 64, false);
        assertThat(UBootEnvCodec.decode(b, false).orElseThrow().vars()).isEqualTo(Map.of("a", fits));
        assertThatThrownBy(() -> UBootEnvCodec.encode(Map.of("a", fits + "v"), 0, 64, false))
                .isInstanceOf(BootloaderException.class).hasMessageContaining("does not fit in 64 bytes");
    }

    @Test
    void aNameOrValueStartingWithAForbiddenByteIsRefused() {
        for (String name : List.of("=a", "\0a")) {
            assertThatThrownBy(() -> UBootEnvCodec.encode(Map.of(name, "1"), 0, 64, false))
                    .isInstanceOf(BootloaderException.class).hasMessageContaining("invalid variable name");
        }
        assertThatThrownBy(() -> UBootEnvCodec.encode(Map.of("a", "\0x"), 0, 64, false))
                .isInstanceOf(BootloaderException.class).hasMessageContaining("contains a NUL byte");
    }

    @Test
    void anAreaNoLargerThanItsHeaderHoldsNoCopy() {
        assertThat(UBootEnvCodec.decode(new byte[4], false)).isEmpty();
        assertThat(UBootEnvCodec.decode(new byte[5], true)).isEmpty();
    }

    @Test
    void anEntryRunningToTheEndOfTheAreaWithoutItsNulIsRead() {
        byte[] a = area("a=" + "x".repeat(10), 16);
        assertThat(UBootEnvCodec.decode(a, false).orElseThrow().vars()).isEqualTo(Map.of("a", "x".repeat(10)));
    }

    @Test
    void anEntryWithoutANameIsIgnored() {
        byte[] a = area("=x\0a=b\0\0", 32);
        assertThat(UBootEnvCodec.decode(a, false).orElseThrow().vars()).isEqualTo(Map.of("a", "b"));
    }

    @Test
    void anEntryWhoseNulIsTheAreasLastByteIsRead() {
        // No final empty entry: the area ends right after the entry's NUL.
        byte[] a = area("a=" + "x".repeat(9) + "\0", 16);
        assertThat(UBootEnvCodec.decode(a, false).orElseThrow().vars()).isEqualTo(Map.of("a", "x".repeat(9)));
    }

    @Test
    void anEntryLongerThanTheAreaIsRefusedBeforeItIsCopied() {
        // 4 bytes of CRC and "a=" with 58 bytes of value: 64 bytes without either NUL, 1 byte past the end
        // with the first.
        for (int value = 57; value <= 59; value++) {
            String v = "v".repeat(value);
            assertThatThrownBy(() -> UBootEnvCodec.encode(Map.of("a", v), 0, 64, false))
                    .as("%d bytes of value", value)
                    .isInstanceOf(BootloaderException.class).hasMessage("uboot: environment does not fit in 64 bytes");
        }
    }

    @Test
    void anAreaWithRoomOnlyForItsHeaderHoldsNoEnvironmentNotEvenAnEmptyOne() {
        // An empty environment is one NUL after the header.
        assertThatThrownBy(() -> UBootEnvCodec.encode(Map.of(), 0, 4, false))
                .isInstanceOf(BootloaderException.class).hasMessage("uboot: environment does not fit in 4 bytes");
        assertThatThrownBy(() -> UBootEnvCodec.encode(Map.of(), 0, 5, true))
                .isInstanceOf(BootloaderException.class).hasMessage("uboot: environment does not fit in 5 bytes");
        assertThat(UBootEnvCodec.decode(UBootEnvCodec.encode(Map.of(), 0, 5, false), false).orElseThrow().vars())
                .isEmpty();
    }
}
