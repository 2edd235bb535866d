package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.storage.DurableFile;
import dev.tandem.bundle.FileSource;
import dev.tandem.slot.policy.InstallOptions;
import dev.tandem.slot.state.SlotState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An install interrupted inside the pipeline (the source gives up after N bytes) resumes on the next install of
 * the same bundle from the journal's done-below: chunks below it are not fetched again, the slot ends
 * byte-identical, and what is re-read per interruption stays within the 4 MiB target.
 */
class ResumeAfterInterruptionTest {

    static final long IMAGE_SIZE = 40L << 20;
    static final int CHUNK = 64 * 1024;
    static final long CUT = 24L << 20;
    /** Syncs (and journal updates) every MiB, 2 MiB of chunks in flight, no local reuse: a small, exact window. */
    static final InstallSettings SETTINGS = new InstallSettings(2, 1L << 20, 2L << 20, false, 32, Clock.systemUTC());

    @TempDir
    Path dir;
    TestDevice device;
    Path image;
    Path bundle;

    @BeforeEach
    void makeDevice() throws IOException {
        device = TestDevice.create(dir.resolve("device"), 48L << 20, "");
        image = TestDevice.randomImage(dir.resolve("v2.img"), IMAGE_SIZE, 21);
        bundle = device.bundle("2.0.0", image, dir.resolve("v2.tandem"));
    }

    /** Runs an install that the source interrupts after {@link #CUT} bytes; returns the journal's done-below. */
    long interruptedInstall() throws IOException {
        CheckedTargets targets = new CheckedTargets(image);
        try (InterruptingSource s = new InterruptingSource(FileSource.open(bundle), CUT)) {
            assertThatThrownBy(() -> device.installer(SETTINGS, targets).install(s, InstallOptions.defaults(),
                    InstallListener.NONE)).isInstanceOf(InterruptingSource.Interrupted.class);
        }
        assertThat(targets.violations()).isEmpty();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.WRITING);
        assertThat(device.bootloader().state("B").bootable()).isFalse();
        InstallJournal j = InstallJournal.load(DurableFile.at(device.journal())).orElseThrow();
        long doneBelow = j.image("rootfs").doneBelow();
        assertThat(doneBelow).isPositive().isLessThan(IMAGE_SIZE / CHUNK);
        return doneBelow;
    }

    @Test
    void resumesFromDoneBelowWithoutFetchingWhatIsWritten() throws IOException {
        long doneBelow = interruptedInstall();
        TestDevice.StoredChunk first = TestDevice.storedChunk(bundle, 0);
        TestDevice.StoredChunk resumeAt = TestDevice.storedChunk(bundle, doneBelow);
        CheckedTargets targets = new CheckedTargets(image);

        InstallResult r;
        InterruptingSource s = InterruptingSource.counting(FileSource.open(bundle));
        try (s) {
            r = device.installer(SETTINGS, targets).install(s, InstallOptions.defaults(), InstallListener.NONE);
        }

        assertThat(r.resumed()).isTrue();
        assertThat(s.bytesReadIn(first.offset(), resumeAt.offset())).as("chunks below done-below fetched again")
                .isZero();
        assertThat(targets.touched(0, doneBelow * CHUNK)).as("chunks below done-below written again").isFalse();
        assertThat(targets.violations()).isEmpty();
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
        assertThat(device.bootloader().primary()).hasValue("B");
        assertThat(device.journal()).doesNotExist();
        long reRead = CUT + s.bytesRead() - Files.size(bundle);
        System.out.printf("resume: done-below %d of %d chunks, re-read %.2f MiB for one interruption%n", doneBelow,
                IMAGE_SIZE / CHUNK, reRead / 1048576.0);
        assertThat(reRead).as("bytes read twice for one interruption").isLessThanOrEqualTo(4L << 20);
    }

    /**
     * The journal's promise, through zero runs, in-place checks and a second interruption: every chunk below
     * done-below is on the slot. (A pooled job once kept a zero run's chunk count and marked chunks done that were
     * not written.)
     */
    @Test
    void everyChunkBelowDoneBelowIsOnTheSlotAcrossTwoInterruptions() throws IOException {
        Path zeroy = TestDevice.imageWithZeroRegions(dir.resolve("v4.img"), IMAGE_SIZE, 41);
        Path v4 = device.bundle("4.0.0", zeroy, dir.resolve("v4.tandem"));
        long size = Files.size(v4);
        for (long cut : new long[] {size / 3, size / 3}) {
            try (InterruptingSource s = new InterruptingSource(FileSource.open(v4), cut)) {
                assertThatThrownBy(() -> device.installer(SETTINGS, new CheckedTargets(zeroy)).install(s,
                        InstallOptions.defaults(), InstallListener.NONE))
                        .isInstanceOf(InterruptingSource.Interrupted.class);
            }
            long doneBelow = InstallJournal.load(DurableFile.at(device.journal())).orElseThrow().image("rootfs")
                    .doneBelow();
            long firstDifference = TestDevice.firstDifference(device.slotB, zeroy);
            assertThat(firstDifference < 0 ? IMAGE_SIZE : firstDifference)
                    .as("done-below %d chunks, but the slot differs from the image at byte %d", doneBelow,
                            firstDifference)
                    .isGreaterThanOrEqualTo(Math.min(IMAGE_SIZE, doneBelow * CHUNK));
        }
        java.util.concurrent.atomic.AtomicLong mostDone = new java.util.concurrent.atomic.AtomicLong();
        InstallListener listener = new InstallListener() {
            @Override
            public void progress(InstallProgress p) {
                mostDone.accumulateAndGet(p.chunksDone(), Math::max);
            }
        };
        try (FileSource s = FileSource.open(v4)) {
            assertThat(device.installer(SETTINGS).install(s, InstallOptions.defaults(), listener).resumed()).isTrue();
        }
        assertThat(TestDevice.slotHolds(device.slotB, zeroy)).isTrue();
        assertThat(mostDone.get()).as("chunks reported done").isLessThanOrEqualTo(IMAGE_SIZE / CHUNK);
    }

    @Test
    void anotherBundleStartsAFreshInstall() throws IOException {
        interruptedInstall();
        Path v3image = TestDevice.randomImage(dir.resolve("v3.img"), IMAGE_SIZE, 31);
        Path v3 = device.bundle("3.0.0", v3image, dir.resolve("v3.tandem"));
        TestDevice.StoredChunk first = TestDevice.storedChunk(v3, 0);

        InstallResult r;
        InterruptingSource s = InterruptingSource.counting(FileSource.open(v3));
        CheckedTargets targets = new CheckedTargets(v3image);
        try (s) {
            r = device.installer(SETTINGS, targets).install(s, InstallOptions.defaults(), InstallListener.NONE);
        }

        assertThat(r.resumed()).isFalse();
        assertThat(s.bytesReadIn(first.dataOffset(), first.dataOffset() + first.dataLength()))
                .isEqualTo(first.dataLength());
        assertThat(targets.violations()).isEmpty();
        assertThat(TestDevice.slotHolds(device.slotB, v3image)).isTrue();
        assertThat(device.status(TestDevice.SLOT_B).version()).isEqualTo("3.0.0");
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
    }

    @Test
    void aJournalWrittenWhileAnotherSlotWasBootedIsIgnored() throws IOException {
        interruptedInstall();
        ObjectMapper json = new ObjectMapper();
        ObjectNode j = (ObjectNode) json.readTree(device.journal().toFile());
        j.put("booted-slot", TestDevice.SLOT_B);
        Files.write(device.journal(), json.writeValueAsBytes(j));
        TestDevice.StoredChunk first = TestDevice.storedChunk(bundle, 0);

        InstallResult r;
        InterruptingSource s = InterruptingSource.counting(FileSource.open(bundle));
        CheckedTargets targets = new CheckedTargets(image);
        try (s) {
            r = device.installer(SETTINGS, targets).install(s, InstallOptions.defaults(), InstallListener.NONE);
        }

        assertThat(r.resumed()).isFalse();
        assertThat(s.bytesReadIn(first.dataOffset(), first.dataOffset() + first.dataLength()))
                .isEqualTo(first.dataLength());
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
    }

    @Test
    void severalInterruptionsInARowNeverFetchAChunkTheSlotHolds() throws IOException {
        TestDevice.StoredChunk first = TestDevice.storedChunk(bundle, 0);
        long previous = 0;
        // Syncs every 8 MiB: long runs, and runs too short to reach their first sync (the first one leaves
        // done-below at 0), whose in-place and newly written chunks the next runs must still find in place.
        InstallSettings settings = new InstallSettings(2, 8L << 20, 2L << 20, false, 32, Clock.systemUTC());
        long header = first.offset();
        long[] cuts = {header + (4L << 20), 12L << 20, header + (4L << 20), header + (4L << 20), header + (4L << 20),
            header + (4L << 20), 6L << 20, header + (3L << 20)};
        for (int k = 0; k < cuts.length; k++) {
            java.util.BitSet onDisk = chunksOnDisk();
            CheckedTargets targets = new CheckedTargets(image);
            InterruptingSource s = new InterruptingSource(FileSource.open(bundle), cuts[k]);
            try (s) {
                assertThatThrownBy(() -> device.installer(settings, targets).install(s, InstallOptions.defaults(),
                        InstallListener.NONE)).isInstanceOf(InterruptingSource.Interrupted.class);
            }
            assertThat(targets.violations()).isEmpty();
            // Raw chunks of a random image sit back to back: chunk c at first.offset() + c * CHUNK.
            long again = onDisk.stream().mapToLong(c -> s.bytesReadIn(first.offset() + (long) c * CHUNK,
                    first.offset() + (c + 1L) * CHUNK)).sum();
            assertThat(again).as("bytes of chunks the slot held, fetched again in run %d", k).isZero();
            long doneBelow = InstallJournal.load(DurableFile.at(device.journal())).orElseThrow().image("rootfs")
                    .doneBelow();
            assertThat(doneBelow).as("progress after interruption %d", k).isGreaterThanOrEqualTo(previous);
            previous = doneBelow;
        }
        InstallJournal j = InstallJournal.load(DurableFile.at(device.journal())).orElseThrow();
        assertThat(j.resumes()).isEqualTo(cuts.length - 1);

        InstallResult r;
        try (FileSource s = FileSource.open(bundle)) {
            r = device.installer(settings, new CheckedTargets(image)).install(s, InstallOptions.defaults(),
                    InstallListener.NONE);
        }
        assertThat(r.resumed()).isTrue();
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
    }

    /**
     * A resume reuses from the booted slot what the uninterrupted install reuses. The resume checks a window of
     * chunks in place (those the interrupted run may have written); a chunk of that window it had not written yet
     * was downloaded, even when the booted slot holds it: on the device (issue 18, power cut at 13 %) the resumed
     * install downloaded 25.8 MiB against 6.6 MiB uninterrupted.
     */
    @Test
    void aResumeTakesChunksOfItsInPlaceWindowFromTheBootedSlotNotTheBundle() throws IOException {
        // A holds v1: the new image with every 16th chunk different, so v2 needs 40 chunks (2.5 MiB) from the bundle.
        byte[] v1 = Files.readAllBytes(image);
        long changed = 0;
        for (int c = 0; c < IMAGE_SIZE / CHUNK; c += 16) {
            v1[c * CHUNK + 100] ^= 0x5a;
            changed += CHUNK;
        }
        try (var ch = java.nio.channels.FileChannel.open(device.slotA, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(v1), 0);
        }
        // Local reuse on, a sync every 32 MiB: the resume's in-place window covers most of the image.
        InstallSettings settings = new InstallSettings(2, 32L << 20, 2L << 20, true, 32, Clock.systemUTC());
        long header = TestDevice.storedChunk(bundle, 0).offset();
        try (InterruptingSource s = new InterruptingSource(FileSource.open(bundle), header + (1L << 20))) {
            assertThatThrownBy(() -> device.installer(settings, new CheckedTargets(image)).install(s,
                    InstallOptions.defaults(), InstallListener.NONE))
                    .isInstanceOf(InterruptingSource.Interrupted.class);
        }
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.WRITING);

        InstallResult r;
        InterruptingSource s = InterruptingSource.counting(FileSource.open(bundle));
        try (s) {
            r = device.installer(settings, new CheckedTargets(image)).install(s, InstallOptions.defaults(),
                    InstallListener.NONE);
        }

        assertThat(r.resumed()).isTrue();
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        long downloaded = s.bytesRead() - header;
        System.out.printf("resume with local reuse: %.2f MiB of chunks read from the bundle, %.2f MiB changed%n",
                downloaded / 1048576.0, changed / 1048576.0);
        assertThat(downloaded).as("chunk bytes the resume read from the bundle").isLessThanOrEqualTo(changed);
    }

    /** The chunks of slot B that already hold the image's bytes. */
    java.util.BitSet chunksOnDisk() throws IOException {
        java.util.BitSet on = new java.util.BitSet();
        for (int c = 0; c < IMAGE_SIZE / CHUNK; c++) {
            if (!TestDevice.zeroAt(device.slotB, (long) c * CHUNK, CHUNK)) {
                on.set(c);
            }
        }
        // Written chunks are the image's (CheckedTargets checks every write): non-zero means on disk.
        return on;
    }

    /** A crash (the listener throws) when the flow enters {@code crashAt}, after the last chunk was written. */
    @ParameterizedTest
    @EnumSource(value = InstallPhase.class, names = {"CHECK", "INSTALLED", "ACTIVATED"})
    void aCrashAfterTheLastChunkResumesToAPendingSlot(InstallPhase crashAt) throws IOException {
        InstallListener crash = new InstallListener() {
            @Override
            public void phase(InstallPhase phase, String detail) {
                if (phase == crashAt) {
                    throw new IllegalStateException("simulated crash entering " + phase);
                }
            }
        };
        try (FileSource s = FileSource.open(bundle)) {
            assertThatThrownBy(() -> device.installer(SETTINGS, new CheckedTargets(image)).install(s,
                    InstallOptions.defaults(), crash)).hasMessageContaining("simulated crash");
        }
        assertThat(device.state(TestDevice.SLOT_B)).isIn(SlotState.WRITING, SlotState.INSTALLED);
        assertThat(device.bootloader().state("B").bootable()).isFalse();

        InstallResult r;
        CheckedTargets targets = new CheckedTargets(image);
        try (FileSource s = FileSource.open(bundle)) {
            r = device.installer(SETTINGS, targets).install(s, InstallOptions.defaults(), InstallListener.NONE);
        }
        assertThat(r.resumed()).isTrue();
        assertThat(targets.written()).as("nothing written again").isEmpty();
        assertThat(TestDevice.slotHolds(device.slotB, image)).isTrue();
        assertThat(device.state(TestDevice.SLOT_B)).isEqualTo(SlotState.PENDING);
        assertThat(device.bootloader().primary()).hasValue("B");
        assertThat(device.savedTables().has(TestDevice.SLOT_B)).isTrue();
        assertThat(device.journal()).doesNotExist();
    }
}
