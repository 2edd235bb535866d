package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootloaderKindTest {

    @TempDir
    Path dir;

    @Test
    void parsesEveryConfigName() {
        for (BootloaderKind k : BootloaderKind.values()) {
            assertThat(BootloaderKind.parse(k.configName())).isEqualTo(k);
        }
        assertThat(BootloaderKind.parse("uboot")).isEqualTo(BootloaderKind.UBOOT);
    }

    @Test
    void refusesAnUnknownNameListingTheValidOnes() {
        assertThatThrownBy(() -> BootloaderKind.parse("u-boot")).isInstanceOf(BootloaderException.class)
                .hasMessageContaining("'u-boot'")
                .hasMessageContaining("grub, uboot, barebox, efi, custom, file");
    }

    @Test
    void createsAdaptersNamedLikeTheirKind() {
        BootloaderOptions options = new BootloaderOptions(List.of("A", "B"), 1, dir.resolve("grubenv"), null,
                null, Map.of(), dir, dir.resolve("script.sh"), dir.resolve("file.json"));
        for (BootloaderKind k : List.of(BootloaderKind.GRUB, BootloaderKind.BAREBOX, BootloaderKind.EFI,
                BootloaderKind.CUSTOM, BootloaderKind.FILE)) {
            assertThat(k.create(options).name()).isEqualTo(k.configName());
        }
    }

    @Test
    void createsTheUBootAdapterFromFwEnvConfig() throws Exception {
        Path cfg = dir.resolve("fw_env.config");
        java.nio.file.Files.writeString(cfg, dir.resolve("env.img") + " 0 0x2000\n");
        BootloaderOptions options = new BootloaderOptions(List.of("A", "B"), 1, null, cfg, null, Map.of(), null,
                null, null);
        assertThat(BootloaderKind.UBOOT.create(options).name()).isEqualTo("uboot");
    }

    @Test
    void reportsAMissingGrubenvOption() {
        BootloaderOptions options = new BootloaderOptions(List.of("A", "B"), 1, null, null, null, Map.of(), null,
                null, null);
        assertThatThrownBy(() -> BootloaderKind.GRUB.create(options)).isInstanceOf(BootloaderException.class)
                .hasMessageContaining("grubenv");
    }

    @Test
    void listsEveryConfigNameInOnePlace() {
        assertThat(BootloaderKind.configNames()).containsExactly("grub", "uboot", "barebox", "efi", "custom", "file");
    }

    @Test
    void onlyTheFileBootloaderSimulatesBoots() {
        BootloaderOptions options = new BootloaderOptions(List.of("A", "B"), 1, dir.resolve("grubenv"), null,
                null, Map.of(), dir, dir.resolve("script.sh"), dir.resolve("file.json"));
        for (BootloaderKind k : List.of(BootloaderKind.GRUB, BootloaderKind.BAREBOX, BootloaderKind.EFI,
                BootloaderKind.CUSTOM)) {
            assertThat(k.create(options).simulatedBoot()).as(k.configName()).isEmpty();
        }
        FileAdapter file = (FileAdapter) BootloaderKind.FILE.create(options);
        BootloaderAdapter.SimulatedBoot boot = file.simulatedBoot().orElseThrow();
        String before = boot.bootId();
        file.setTryOnce("B");
        file.simulateBoot();
        assertThat(boot.bootedSlot()).isEqualTo("B");
        assertThat(boot.bootId()).isNotEqualTo(before);
    }
}
