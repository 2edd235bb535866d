package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.install.TestDevice;
import dev.tandem.serve.StaticFileServer;
import dev.tandem.slot.DataDirLock;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per error class of ARCHITECTURE.md §8: the exit code, and exactly one line on stderr ("tandem: ...") without a
 * stack trace; {@code --verbose} adds the trace.
 */
class ExitCodesTest {

    static final long IMAGE_SIZE = 12L << 20;

    @TempDir
    Path dir;
    TestDevice device;
    Path image;
    Path bundle;
    String config;

    @BeforeEach
    void makeDevice() throws IOException {
        device = TestDevice.create(dir.resolve("device"), 16L << 20, "");
        config = device.configFile.toString();
        image = TestDevice.randomImage(dir.resolve("v2.img"), IMAGE_SIZE, 2);
        bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
    }

    Tandem.Result install(String bundleArg, String... more) {
        String[] args = new String[5 + more.length];
        args[0] = "install";
        args[1] = bundleArg;
        args[2] = "--config";
        args[3] = config;
        args[4] = "--progress=none";
        System.arraycopy(more, 0, args, 5, more.length);
        return Tandem.run(args);
    }

    /** The exit code, one "tandem: " line on stderr naming {@code text}, and no stack trace. */
    static void assertError(Tandem.Result r, int exitCode, String text) {
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(exitCode);
        assertThat(r.errLines()).as(r.toString()).singleElement().satisfies(line -> {
            assertThat(line).startsWith("tandem: ").contains(text);
            assertThat(line).doesNotContain("Exception");
        });
        assertThat(r.err()).doesNotContain("\tat ");
    }

    @Test
    void aRefusedMarkActiveNamesItsStepOnce() {
        // slot-manager's refusal already reads "mark-active rootfs.1: ..."; the CLI's step must not repeat it.
        Tandem.Result r = Tandem.run("mark-active", "other", "--config", config);
        assertError(r, 4, "mark-active ");
        String line = r.errLines().get(0);
        assertThat(line.split("mark-active", -1)).as(line).hasSize(2);
    }

    @Test
    void usageErrorsExitTwo() {
        assertError(Tandem.run("install"), 2, "BUNDLE");
        assertError(Tandem.run("install", "--no-such-option", bundle.toString()), 2, "--no-such-option");
        assertError(Tandem.run("no-such-command"), 2, "no-such-command");
    }

    @Test
    void aCorruptChunkExitsThreeAndLeavesTheTargetUnbootable() throws IOException {
        TestDevice.StoredChunk c = TestDevice.storedChunk(bundle, 100);
        TestDevice.flipByte(bundle, c.offset() + 100);
        Tandem.Result r = install(bundle.toString());
        assertError(r, 3, "chunk 100: sha256 mismatch");
        assertThat(r.errLines().get(0)).startsWith("tandem: install " + bundle + ": ");
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.WRITING);
        assertThat(device.bootloader().state("B").bootable()).isFalse();
        assertThat(TestDevice.foreignChunks(device.slotB, image, 64 * 1024)).isEmpty();
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        TestDevice.StoredChunk c = TestDevice.storedChunk(bundle, 100);
        TestDevice.flipByte(bundle, c.offset() + 100);
        Tandem.Result r = install(bundle.toString(), "--verbose");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.errLines().get(0)).startsWith("tandem: install ").contains("chunk 100");
        assertThat(r.err()).contains("\tat dev.tandem.");
    }

    @Test
    void aPolicyRefusalExitsFour() throws IOException {
        Path other = dir.resolve("other.tandem");
        device.bundle("2.0.0").compatible("other-device").image("rootfs", "rootfs", image).write(other);
        assertError(install(other.toString()), 4, "this system is 'test-device'");
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
    }

    @Test
    void aTargetSmallerThanTheImageExitsFour() throws IOException {
        TestDevice.makeSlotFile(device.slotB, IMAGE_SIZE - 4096);
        assertError(install(bundle.toString()), 4, "does not fit slot rootfs.1");
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
        assertThat(TestDevice.zeroAt(device.slotB, 0, (int) (IMAGE_SIZE - 4096))).isTrue();
    }

    @Test
    void anIoErrorExitsFive() {
        assertError(install(dir.resolve("missing.tandem").toString()), 5, "missing.tandem");
    }

    @Test
    void aMissingSlotDeviceExitsFive() throws IOException {
        Files.delete(device.slotB);
        assertError(install(bundle.toString()), 5, "slot-b.img");
    }

    @Test
    void aConfigErrorExitsSix() throws IOException {
        assertError(Tandem.run("status", "--config", dir.resolve("missing.toml").toString()), 6, "missing.toml");
        Files.writeString(device.configFile, "no-such-key = 1\n", java.nio.file.StandardOpenOption.APPEND);
        assertError(Tandem.run("status", "--config", config), 6, "no-such-key");
    }

    @Test
    void aSourceErrorExitsSeven() throws IOException {
        try (StaticFileServer server = new StaticFileServer(dir)) {
            int port = server.start(new InetSocketAddress("127.0.0.1", 0));
            assertError(install("http://127.0.0.1:" + port + "/missing.tandem"), 7, "404");
        }
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
    }

    @Test
    void aBrokenBootloaderStateExitsEight() throws IOException {
        Files.createDirectories(device.dataDir);
        Files.writeString(device.dataDir.resolve("file-bootloader.json"), "{ not json");
        assertError(Tandem.run("status", "--config", config), 8, "file-bootloader.json");
    }

    @Test
    void anotherOperationHoldingTheLockExitsNine() {
        try (DataDirLock held = DataDirLock.acquire(device.dataDir, "install")) {
            held.update("install 37 %");
            assertError(install(bundle.toString()), 9, "install 37 %");
        }
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.EMPTY);
    }
}
