package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.storage.DurableFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAdapterTest extends BootloaderAdapterContract {

    @TempDir
    Path dir;

    @Override
    protected BootloaderAdapter adapterWithGoodSlotA() {
        return reopen(); // no file yet: the factory state, A armed
    }

    @Override
    protected BootloaderAdapter reopen() {
        return new FileAdapter(DurableFile.at(dir.resolve("bootloader.json")), List.of("A", "B"), 1);
    }

    @Override
    protected List<Path> storage() {
        return List.of(dir);
    }

    @Override
    protected String expectedName() {
        return "file";
    }

    @Test
    void simulatedBootSpendsOneAttemptOfThePrimary() {
        FileAdapter a = (FileAdapter) adapter;
        a.markBad("B");
        a.setTryOnce("B");
        assertThat(a.simulateBoot()).contains("B");
        assertThat(a.booted()).isEqualTo("B");
        assertThat(a.bootCount()).isEqualTo(1);
        assertThat(a.simulateBoot()).contains("A");
    }
}
