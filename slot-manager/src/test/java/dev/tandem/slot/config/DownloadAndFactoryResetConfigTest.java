package dev.tandem.slot.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.slot.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code [download]} and {@code [factory-reset]} tables of system.toml (CONFIG.md). */
class DownloadAndFactoryResetConfigTest {

    @TempDir
    Path dir;

    private SystemConfig load(String tables) throws IOException {
        Files.writeString(dir.resolve("keyring.pem"), "k\n");
        Files.writeString(dir.resolve("system.toml"), """
                compatible = "x"
                bootloader = "file"
                data-dir = "data"
                keyring = "keyring.pem"
                [slots."rootfs.0"]
                device = "a.img"
                bootname = "A"
                [slots."rootfs.1"]
                device = "b.img"
                bootname = "B"
                """ + tables);
        return SystemConfig.load(dir.resolve("system.toml"));
    }

    @Test
    void defaultsAreAnyTimeUnmeteredAndNoReset() throws IOException {
        SystemConfig c = load("");
        assertThat(c.download()).isEqualTo(DownloadConfig.defaults());
        assertThat(c.factoryReset().dataPartition()).isNull();
    }

    @Test
    void theTablesParse() throws IOException {
        Path check = dir.resolve("is-metered");
        Files.writeString(check, "#!/bin/sh\nexit 1\n");
        check.toFile().setExecutable(true);
        SystemConfig c = load("""
                [download]
                allow-metered = false
                metered-check = ["is-metered", "--wwan"]
                windows = ["01:00-05:30", "22:00-24:00"]
                [factory-reset]
                data-partition = "/dev/disk/by-partlabel/data"
                method = "mkfs"
                mkfs = ["mkfs.ext4", "-F", "-L", "data"]
                """);
        assertThat(c.download().meteredCheck()).containsExactly(check.toString(), "--wwan");
        assertThat(c.download().windows()).containsExactly(new DownloadWindow(LocalTime.of(1, 0), LocalTime.of(5, 30)),
                new DownloadWindow(LocalTime.of(22, 0), LocalTime.MIDNIGHT));
        assertThat(c.factoryReset()).isEqualTo(new FactoryResetConfig(Path.of("/dev/disk/by-partlabel/data"), "mkfs",
                List.of("mkfs.ext4", "-F", "-L", "data")));
    }

    @Test
    void mistakesAreNamedWithTheirKey() {
        assertThatThrownBy(() -> load("[download]\nwindows = [\"1:00-5:00\"]\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("[download] windows: '1:00-5:00' is not a window HH:MM-HH:MM");
        assertThatThrownBy(() -> load("[download]\nmetered-check = [\"missing\"]\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("metered-check").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> load("[factory-reset]\ndata-partition = \"/dev/sdz9\"\nmethod = \"shred\"\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("method: must be one of zero, mkfs");
        assertThatThrownBy(() -> load("[factory-reset]\nmethod = \"mkfs\"\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("data-partition: required key is missing");
        assertThatThrownBy(() -> load("[factory-reset]\ndata-partition = \"data/../data\"\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("the reset would lose the slot states");
    }
}
