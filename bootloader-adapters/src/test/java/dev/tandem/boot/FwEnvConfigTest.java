package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FwEnvConfigTest {

    @Test
    void readsOneLineAsASingleEnvironment() {
        FwEnvConfig c = FwEnvConfig.parse("# MMC\n/dev/mmcblk0 0x400000 0x4000\n", "t");
        assertThat(c.redundant()).isFalse();
        assertThat(c.areas()).containsExactly(new FwEnvConfig.Area(Path.of("/dev/mmcblk0"), 0x400000, 0x4000, 0, 0));
    }

    @Test
    void readsTwoLinesAsARedundantPairAndIgnoresMore() {
        FwEnvConfig c = FwEnvConfig.parse("env.img 0x0 0x2000\nenv.img 0x2000 0x2000 0x2000 1\nother 0 0x10\n", "t");
        assertThat(c.redundant()).isTrue();
        assertThat(c.areas().get(1)).isEqualTo(new FwEnvConfig.Area(Path.of("env.img"), 0x2000, 0x2000, 0x2000, 1));
    }

    @Test
    void readsSizesAsHexadecimalEvenWithoutPrefixAsLibubootenvDoes() {
        assertThat(FwEnvConfig.parse("d 0 4000\n", "t").sizeBytes()).isEqualTo(0x4000);
        assertThat(FwEnvConfig.parse("d 0 16384\n", "t").sizeBytes()).isEqualTo(0x16384);
    }

    @Test
    void readsOffsetsWithCPrefixes() {
        assertThat(FwEnvConfig.parse("d 524288 0x10\n", "t").areas().get(0).offset()).isEqualTo(524288);
        assertThat(FwEnvConfig.parse("d 0x80000 0x10\n", "t").areas().get(0).offset()).isEqualTo(0x80000);
        assertThat(FwEnvConfig.parse("d 0100 0x10\n", "t").areas().get(0).offset()).isEqualTo(64);
    }

    @Test
    void skipsCommentsBlankAndShortLines() {
        FwEnvConfig c = FwEnvConfig.parse("\n# a b c\n   \nonly two\nd\t0x10\t0x20\n", "t");
        assertThat(c.areas()).hasSize(1);
        assertThat(c.areas().get(0).offset()).isEqualTo(0x10);
    }

    @Test
    void refusesAFileWithoutEnvironment() {
        assertThatThrownBy(() -> FwEnvConfig.parse("# nothing\n", "cfg")).isInstanceOf(BootloaderException.class)
                .hasMessageContaining("cfg");
    }

    @Test
    void refusesCopiesOfDifferentSize() {
        assertThatThrownBy(() -> FwEnvConfig.parse("d 0 0x2000\nd 0x2000 0x1000\n", "t"))
                .isInstanceOf(BootloaderException.class).hasMessageContaining("differ");
    }

    @Test
    void refusesAMalformedNumberNamingTheLine() {
        assertThatThrownBy(() -> FwEnvConfig.parse("d 0 0x4000\nd zz 0x4000\n", "cfg"))
                .isInstanceOf(BootloaderException.class).hasMessageContaining("cfg:2");
    }
}
