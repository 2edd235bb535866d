package dev.tandem.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage layer on a real file system: what every module's state files and slot writes go through. */
class DurableFileTest {

    @TempDir
    Path dir;

    @Test
    void replaceMakesTheDirectoryWritesTheContentAndLeavesNoTemporaryFile() throws IOException {
        DurableFile file = DurableFile.at(dir.resolve("state/status.json"));
        assertThat(file.read()).isEmpty();

        file.replace("old".getBytes(StandardCharsets.UTF_8));
        file.replace("new".getBytes(StandardCharsets.UTF_8));

        assertThat(file.read()).hasValueSatisfying(b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("new"));
        try (var names = Files.list(dir.resolve("state"))) {
            assertThat(names.map(p -> p.getFileName().toString())).containsExactly("status.json");
        }
    }

    @Test
    void deleteRemovesTheFileAndIsQuietWhenItIsGone() throws IOException {
        DurableFile file = DurableFile.at(dir.resolve("install.json"));
        file.replace(new byte[] {1});
        file.delete();
        file.delete();
        assertThat(file.read()).isEmpty();
        assertThat(dir.resolve("install.json")).doesNotExist();
    }

    @Test
    void aFileBlockTargetWritesAtItsPositionAndZeroesARange() throws IOException {
        Path slot = dir.resolve("slot.img");
        Files.write(slot, filled(8192, (byte) 7));
        try (BlockTarget target = FileBlockTarget.open(slot)) {
            target.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 4096);
            target.zero(0, 4096);
            target.sync();
        }
        byte[] back = Files.readAllBytes(slot);
        assertThat(back).hasSize(8192);
        assertThat(back[0]).isZero();
        assertThat(back[4095]).isZero();
        assertThat(new byte[] {back[4096], back[4097], back[4098], back[4099]}).containsExactly(1, 2, 3, 7);
    }

    private static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }
}
