package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs a real shell script that keeps its state in files: for a custom bootloader, that is the real thing. */
class ScriptAdapterTest extends BootloaderAdapterContract {

    @TempDir
    Path dir;

    Path script() {
        return dir.resolve("custom-bootloader.sh");
    }

    Path state() {
        return dir.resolve("state");
    }

    @Override
    protected BootloaderAdapter adapterWithGoodSlotA() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("custom-bootloader.sh")) {
            Files.copy(in, script());
        }
        Files.setPosixFilePermissions(script(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(state());
        Files.writeString(state().resolve("order"), "A B\n");
        Files.writeString(state().resolve("A"), "good\n");
        Files.writeString(state().resolve("B"), "bad\n");
        return reopen();
    }

    @Override
    protected BootloaderAdapter reopen() {
        return new ScriptAdapter(script(), List.of("A", "B"), Duration.ofSeconds(20));
    }

    @Override
    protected List<Path> storage() {
        return List.of(state());
    }

    @Override
    protected String expectedName() {
        return "custom";
    }

    @Override
    protected int expectedTrialAttempts() {
        return BootSlotState.UNLIMITED;
    }

    @Override
    protected int expectedArmedAttempts() {
        return BootSlotState.UNLIMITED;
    }

    Path writeScript(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void killsAndRefusesAScriptThatPrintsEndlessly() throws Exception {
        // A real endless writer; before the cap its output was read into one array until the heap gave out.
        for (String redirect : List.of("", " >&2")) {
            Path p = writeScript("endless.sh", "yes 'A B A B A B A B'" + redirect + "\n");
            ScriptAdapter a = new ScriptAdapter(p, List.of("A", "B"), Duration.ofSeconds(120));
            long start = System.nanoTime();
            assertThatThrownBy(() -> assertTimeoutPreemptively(Duration.ofSeconds(30), a::primary))
                    .isInstanceOf(BootloaderException.class)
                    .hasMessageContaining("printed more than " + CommandRunner.MAX_OUTPUT_BYTES + " bytes on "
                            + (redirect.isEmpty() ? "stdout" : "stderr"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void reportsTheFirstStderrLineOfAFailingScript() throws Exception {
        Path p = writeScript("fails.sh", "echo 'env locked by another process' >&2\necho detail >&2\nexit 3\n");
        ScriptAdapter a = new ScriptAdapter(p, List.of("A", "B"), Duration.ofSeconds(10));
        assertThatThrownBy(a::primary).isInstanceOf(BootloaderException.class)
                .hasMessageContaining("exit 3").hasMessageContaining("env locked by another process")
                .hasMessageNotContaining("detail");
    }

    @Test
    void refusesAStateOtherThanGoodOrBad() throws Exception {
        Path p = writeScript("odd.sh", "echo maybe\n");
        assertThatThrownBy(() -> new ScriptAdapter(p, List.of("A", "B"), Duration.ofSeconds(10)).state("A"))
                .isInstanceOf(BootloaderException.class).hasMessageContaining("maybe");
    }

    @Test
    void refusesAnUnknownPrimary() throws Exception {
        Path p = writeScript("c.sh", "echo C\n");
        assertThatThrownBy(() -> new ScriptAdapter(p, List.of("A", "B"), Duration.ofSeconds(10)).primary())
                .isInstanceOf(BootloaderException.class).hasMessageContaining("'C'");
    }

    @Test
    void killsAScriptThatHangs() throws Exception {
        Path p = writeScript("hangs.sh", "sleep 30\n");
        ScriptAdapter a = new ScriptAdapter(p, List.of("A", "B"), Duration.ofMillis(300));
        long start = System.nanoTime();
        assertThatThrownBy(a::primary).isInstanceOf(BootloaderException.class).hasMessageContaining("did not finish");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void passesTheContractsCommandsToTheScript() throws Exception {
        adapter.setTryOnce("B");
        assertThat(Files.readString(state().resolve("order")).strip()).isEqualTo("B A");
        adapter.markBad("B");
        assertThat(Files.readString(state().resolve("B")).strip()).isEqualTo("bad");
    }

    @Test
    void refusesAMissingScriptPath() {
        assertThatThrownBy(() -> new ScriptAdapter(null, List.of("A", "B"), Duration.ofSeconds(1)))
                .isInstanceOf(BootloaderException.class).hasMessageContaining("script");
    }
}
