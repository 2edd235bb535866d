package dev.tandem.agent.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.agent.AgentListener;
import dev.tandem.agent.AgentSettings;
import dev.tandem.agent.TestDevice;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FilterSource;
import dev.tandem.bundle.FileSource;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone mode on a simulated device: a directory plays the USB stick (inserted = exists), real signed
 * bundles, real installs into file slots, the simulated bootloader and boot-check between looks.
 */
class StandaloneAgentTest {

    @TempDir
    Path dir;

    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger reboots = new AtomicInteger();

    private StandaloneAgent agent(TestDevice d, Path stick, StandaloneAgent.SourceOpener opener) {
        MediaWatcher watcher = new MediaWatcher(writeMountinfo(), dir.resolve("no-sys"), List.of(stick));
        return StandaloneAgent.of(d.slots(), watcher, opener, reboots::incrementAndGet, true,
                AgentSettings.defaults(), new AgentListener() {
                    @Override
                    public void line(String text) {
                        lines.add(text);
                    }
                });
    }

    private Path writeMountinfo() {
        try {
            return Files.writeString(dir.resolve("mountinfo"), "22 1 0:20 / / rw - tmpfs tmpfs rw\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void move(Path bundle, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.move(bundle, to);
    }

    private String said() {
        return String.join("\n", lines);
    }

    @Test
    void aMediumWithThousandsOfBundleFilesIsLookedAtOnlyInPart(@TempDir Path stick) throws IOException {
        // Each file would cost a signature check (up to the pki budget) at every look: all 3,000 were taken.
        Files.createDirectories(stick.resolve("updates"));
        for (int i = 0; i < 1500; i++) {
            Files.write(stick.resolve(String.format("b%04d.tandem", i)), new byte[] {1});
            Files.write(stick.resolve("updates").resolve(String.format("u%04d.tandem", i)), new byte[] {1});
        }

        List<Path> files = BundleScanner.files(stick);

        assertThat(files).hasSize(BundleScanner.MAX_FILES_PER_PLACE);
        assertThat(files).isSorted();
    }

    @Test
    void aFileNameWithControlCharactersCannotForgeLogLines() throws IOException {
        // ext4 sticks allow any byte but '/' and NUL in a name; the agent now mounts them itself.
        TestDevice d = TestDevice.create(dir.resolve("device"), "");
        Path stick = dir.resolve("stick");
        Files.createDirectories(stick);
        Path forged = stick.resolve("a\ninstalled 9.9.9 into rootfs.1\r\u001b[2Kx.tandem");
        Files.writeString(forged, "not a bundle");

        agent(d, stick, FileSource::open).look();

        assertThat(lines).noneMatch(l -> l.contains("\n") || l.contains("\r") || l.contains("\u001b"));
        assertThat(lines).noneMatch(l -> l.startsWith("installed"));
        assertThat(lines).anyMatch(l -> l.startsWith("skipped ") && l.contains("a\\x0ainstalled 9.9.9 into rootfs.1"
                + "\\x0d\\x1b[2Kx.tandem"));
    }

    @Test
    void anExpiredNewestBundleAndOneForANewerTandemAreSkippedAndTheValidOlderOneIsInstalled() throws IOException {
        TestDevice d = TestDevice.create(dir.resolve("device"), "");
        Path stick = dir.resolve("stick");
        move(d.bundle("2.0.0", 1 << 20), stick.resolve("a-2.0.0.tandem"));
        move(d.bundle("3.0.0", 1 << 20, w -> w.expires(java.time.Instant.now().minusSeconds(3600))),
                stick.resolve("b-3.0.0.tandem"));
        move(d.bundle("4.0.0", 1 << 20, w -> w.minTandemVersion("99.0.0")), stick.resolve("c-4.0.0.tandem"));

        agent(d, stick, FileSource::open).look();

        assertThat(lines).filteredOn(l -> l.startsWith("skipped " + stick.resolve("b-3.0.0.tandem") + ": ")
                && l.contains("bundle expired on")).hasSize(1);
        assertThat(lines).filteredOn(l -> l.startsWith("skipped " + stick.resolve("c-4.0.0.tandem") + ": ")
                && l.contains("bundle needs tandem 99.0.0 or newer")).hasSize(1);
        assertThat(said()).contains("installing " + stick.resolve("a-2.0.0.tandem") + " (version 2.0.0")
                .contains("installed 2.0.0 into rootfs.1").doesNotContain("install of");
        assertThat(d.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
        assertThat(d.slot("rootfs.1").version()).isEqualTo("2.0.0");
    }

    @Test
    void aNewestBundleTheInstallRefusesByPolicyIsPassedOverForTheNextOlderOne() throws IOException {
        Path veto = dir.resolve("pre-install");
        Files.writeString(veto, "#!/bin/sh\n[ \"$TANDEM_VERSION\" != 3.0.0 ] || { echo 'not 3.0.0 here'; exit 1; }\n");
        veto.toFile().setExecutable(true);
        TestDevice d = TestDevice.create(dir.resolve("device"), "[hooks]\npre-install = \"" + veto + "\"\n");
        Path stick = dir.resolve("stick");
        move(d.bundle("2.0.0", 1 << 20), stick.resolve("a-2.0.0.tandem"));
        move(d.bundle("3.0.0", 1 << 20), stick.resolve("b-3.0.0.tandem"));

        agent(d, stick, FileSource::open).look();

        assertThat(said()).contains("install of " + stick.resolve("b-3.0.0.tandem") + " failed: ")
                .contains("installed 2.0.0 into rootfs.1").contains("rebooting into 2.0.0");
        assertThat(reboots.get()).isEqualTo(1);
        assertThat(d.slot("rootfs.1").version()).isEqualTo("2.0.0");
    }

    @Test
    void installsTheHighestValidVersionNotTheLastFileNameAndReboots() throws IOException {
        TestDevice d = TestDevice.create(dir.resolve("device"), "");
        Path stick = dir.resolve("stick");
        move(d.bundle("1.1.0", 1 << 20), stick.resolve("zz-1.1.0.tandem"));
        move(d.bundle("2.0.0", 1 << 20), stick.resolve("updates/mm-2.0.0.tandem"));
        move(d.bundle("3.0.0", 1 << 20, "other-device", d.pki, 3), stick.resolve("aa-3.0.0.tandem"));
        move(d.bundle("9.0.0", 1 << 20, TestDevice.COMPATIBLE, d.foreignPki(), 9), stick.resolve("bad-9.0.0.tandem"));
        Files.writeString(stick.resolve("readme.txt"), "not a bundle");

        agent(d, stick, FileSource::open).look();

        assertThat(said()).contains("skipped " + stick.resolve("aa-3.0.0.tandem") + " (3.0.0): policy: bundle is for"
                + " 'other-device'").contains("skipped " + stick.resolve("bad-9.0.0.tandem"))
                .contains("installing " + stick.resolve("updates/mm-2.0.0.tandem") + " (version 2.0.0")
                .contains("installed 2.0.0 into rootfs.1").contains("rebooting into 2.0.0");
        assertThat(reboots.get()).isEqualTo(1);
        assertThat(d.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
        assertThat(d.slot("rootfs.1").version()).isEqualTo("2.0.0");
    }

    @Test
    void neverInstallsTheSameBundleTwice() throws IOException {
        TestDevice d = TestDevice.create(dir.resolve("device"), "");
        Path stick = dir.resolve("stick");
        move(d.bundle("2.0.0", 1 << 20), stick.resolve("u.tandem"));
        StandaloneAgent a = agent(d, stick, FileSource::open);
        a.look();
        assertThat(reboots.get()).isEqualTo(1);

        // No reboot yet (auto-reboot failed, say): the stick is looked at again.
        Files.setLastModifiedTime(stick.resolve("u.tandem"), java.nio.file.attribute.FileTime.fromMillis(1));
        agent(d, stick, FileSource::open).look();
        assertThat(said()).contains("already installed in rootfs.1, waiting for the reboot");

        assertThat(d.reboot()).isEqualTo("B");
        d.bootCheck();
        lines.clear();
        agent(d, stick, FileSource::open).look();
        assertThat(said()).contains("skipped " + stick.resolve("u.tandem") + " (2.0.0): policy: version 2.0.0 is the"
                + " booted slot's version").doesNotContain("installing");
        assertThat(reboots.get()).isEqualTo(1);
    }

    @Test
    void aBundleThatFailedItsTrialIsSkipped() throws IOException {
        TestDevice d = TestDevice.create(dir.resolve("device"), "");
        Path stick = dir.resolve("stick");
        move(d.bundle("2.0.0", 1 << 20), stick.resolve("u.tandem"));
        Files.writeString(d.unhealthy, "x");
        agent(d, stick, FileSource::open).look();
        assertThat(d.reboot()).isEqualTo("B");
        assertThat(d.bootCheck().rebooting()).isTrue();
        assertThat(d.reboot()).isEqualTo("A");
        d.bootCheck();
        lines.clear();

        agent(d, stick, FileSource::open).look();
        assertThat(said()).contains("failed on this device before").doesNotContain("installing");
    }

    @Test
    void aStickPulledMidInstallFailsCleanlyAndTheNextInsertionResumes() throws IOException {
        TestDevice d = TestDevice.create(dir.resolve("device"), "");
        Path stick = dir.resolve("stick");
        move(d.bundle("2.0.0", 2 << 20), stick.resolve("u.tandem"));
        AtomicInteger opens = new AtomicInteger();
        StandaloneAgent a = agent(d, stick, p -> opens.incrementAndGet() == 1
                ? new PulledAfter(FileSource.open(p), 1 << 20) : FileSource.open(p));

        a.look();
        assertThat(said()).contains("install of " + stick.resolve("u.tandem") + " failed: Input/output error;"
                + " inserting the medium again resumes it");
        assertThat(d.slot("rootfs.1").state()).isEqualTo(SlotState.WRITING);
        assertThat(reboots.get()).isZero();

        Path away = dir.resolve("pulled");
        Files.move(stick, away);
        a.look();
        Files.move(away, stick);
        a.look();
        assertThat(said()).contains("installed 2.0.0 into rootfs.1").contains("(resumed)");
        assertThat(d.slot("rootfs.1").state()).isEqualTo(SlotState.PENDING);
        assertThat(reboots.get()).isEqualTo(1);
    }

    /** A bundle on a stick that is pulled after {@code limit} bytes: reads fail as the kernel's EIO does. */
    static final class PulledAfter extends FilterSource {
        private final long limit;

        PulledAfter(BundleSource inner, long limit) {
            super(inner);
            this.limit = limit;
        }

        private void check() throws IOException {
            if (inner.bytesReceived() >= limit) {
                throw new IOException("Input/output error");
            }
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            check();
            return inner.read(buf, off, len);
        }

        @Override
        public void seek(long offset) throws IOException {
            check();
            inner.seek(offset);
        }

        @Override
        public void readRanges(java.util.List<ByteRange> ranges, RangeSink sink) throws IOException {
            BundleSource.readEach(this, ranges, sink);
        }
    }
}
