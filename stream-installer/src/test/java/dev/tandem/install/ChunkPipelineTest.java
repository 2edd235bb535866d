package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FileSource;
import dev.tandem.bundle.FilterSource;
import dev.tandem.bundle.ImageSection;
import dev.tandem.bundle.ManifestVerifier;
import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.FileBlockTarget;
import dev.tandem.storage.StorageInterposer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ChunkPipeline} on its own, with a real signed bundle and a file slot: what it reports at the end, a
 * failure of the writer's last step (the sync under way after the last chunk), and the threads it leaves behind.
 */
class ChunkPipelineTest {

    private static final int CHUNK = 64 * 1024;
    private static final int CHUNKS = 8;

    @TempDir
    Path dir;

    @Test
    void aFreshRunWritesTheSignedImageAndLeavesNoThreadBehind() throws Exception {
        Fixture f = fixture();
        ChunkPipeline.Outcome o = f.run(FileBlockTarget.open(f.slot), 0, 1L << 30);
        assertThat(Thread.currentThread().isInterrupted()).as("no interrupt left behind").isFalse();
        assertThat(o.written()).isEqualTo((long) CHUNKS * CHUNK);
        assertThat(ReuseDevice.sha256(f.slot, CHUNKS * CHUNK)).isEqualTo(ReuseDevice.sha256(f.image, CHUNKS * CHUNK));
        assertThat(pipelineThreads()).as("threads alive after run").isEmpty();
    }

    @Test
    void aResumedRunWritesOnlyTheChunksFromItsDoneBelow() throws Exception {
        Fixture f = fixture();
        // The first two chunks were written before the interruption; the rest of the slot holds older bytes.
        byte[] slot = Files.readAllBytes(f.image);
        java.util.Arrays.fill(slot, 2 * CHUNK, slot.length, (byte) 0xAA);
        Files.write(f.slot, slot);
        ChunkPipeline.Outcome o = f.run(FileBlockTarget.open(f.slot), 2, 1L << 30);
        assertThat(o.written()).isEqualTo((long) (CHUNKS - 2) * CHUNK);
        assertThat(ReuseDevice.sha256(f.slot, CHUNKS * CHUNK)).isEqualTo(ReuseDevice.sha256(f.image, CHUNKS * CHUNK));
    }

    /**
     * The sync started by the last chunk fails after every job has settled: the writer learns it in its final
     * drain, on its own thread, while the caller is already ending the pipeline. The install must fail with that
     * error, never report success with data that did not reach the device.
     */
    @Test
    void aSyncFailingAfterTheLastChunkFailsTheRun() throws Exception {
        Fixture f = fixture();
        // A slow device: the caller has long been told every job settled when the error comes.
        WatchedTarget failing = new WatchedTarget(FileBlockTarget.open(f.slot), (long) CHUNKS * CHUNK, 500);
        // Called from a thread that is not a daemon (a new thread inherits the flag; a test runner's may be one).
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                f.run(failing.target, 0, 1);
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "caller");
        caller.setDaemon(false);
        caller.start();
        caller.join();
        assertThat(thrown.get()).isInstanceOf(IOException.class).hasMessage("sync failed after the last chunk");
        assertThat(pipelineThreads()).as("threads alive after a failed run").isEmpty();
        // Not the caller's kind of thread: a device stuck in a write past run's bounded wait cannot keep the process alive.
        assertThat(failing.nonDaemonWriters).isEmpty();
    }

    /**
     * A write fails while the sync of the chunks before it is under way (a sync per chunk, each slow): run returns
     * only after that sync has ended and advanced the journal, never leaving it to write the journal behind the
     * caller's back.
     */
    @Test
    void aSyncUnderWayWhenTheRunFailsEndsBeforeRunReturns() throws Exception {
        Fixture f = fixture();
        WatchedTarget slow = new WatchedTarget(FileBlockTarget.open(f.slot), -1, 500);
        slow.failWriteAt = 2L * CHUNK;
        List<Long> journal = new CopyOnWriteArrayList<>();
        f.journal = journal::add;
        assertThatThrownBy(() -> f.run(slow.target, 0, 1)).isInstanceOf(IOException.class).hasMessage("write failed");
        assertThat(journal).as("journal written before run returned").containsExactly(1L, 2L);
        assertThat(pipelineThreads()).as("threads alive after a failed run").isEmpty();
    }

    @Test
    void aFailedDownloadLeavesNoThreadBehind() throws Exception {
        Fixture f = fixture();
        long dataOffset = f.section().dataOffset();
        f.failAfter = dataOffset + 3L * CHUNK;
        assertThatThrownBy(() -> f.run(FileBlockTarget.open(f.slot), 0, 1L << 30))
                .isInstanceOf(InterruptingSource.Interrupted.class);
        assertThat(pipelineThreads()).as("threads alive after a failed run").isEmpty();
    }

    /**
     * The thread that runs the install is interrupted (an agent cancelling it) while it fetches: run fails, the
     * caller still sees its interrupt, and the pipeline's threads have ended before run returns.
     */
    @Test
    void anInterruptedRunKeepsTheInterruptAndLeavesNoThreadBehind() throws Exception {
        Fixture f = fixture();
        f.interruptAt = f.section().dataOffset() + 3L * CHUNK;
        try {
            assertThatThrownBy(() -> f.run(FileBlockTarget.open(f.slot), 0, 1L << 30)).isInstanceOf(IOException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("the caller's interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(pipelineThreads()).as("threads alive after an interrupted run").isEmpty();
    }

    /**
     * The caller is interrupted (an agent pausing or cancelling the install) while a sync is under way, a slow one
     * that ignores interrupts as an fsync does: run returns only after that sync has ended (it may still write the
     * journal), and keeps the interrupt. With the interrupt set, every bounded wait of run's clean-up returned at
     * once and left the sync running; whether {@link #anInterruptedRunKeepsTheInterruptAndLeavesNoThreadBehind}
     * saw a thread alive then depended on the threads' timing, here it always does.
     */
    @Test
    void anInterruptWhileASyncIsUnderWayWaitsForThatSyncBeforeRunReturns() throws Exception {
        Fixture f = fixture();
        WatchedTarget slow = new WatchedTarget(FileBlockTarget.open(f.slot), -1, 1000);
        slow.onFirstSync = Thread.currentThread()::interrupt;
        try {
            assertThatThrownBy(() -> f.run(slow.target, 0, 1)).isInstanceOf(IOException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("the caller's interrupt is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(pipelineThreads()).as("threads alive after an interrupted run").isEmpty();
    }

    private static List<String> pipelineThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("install-")).toList();
    }

    private Fixture fixture() throws IOException {
        ReuseDevice device = ReuseDevice.create(dir, (long) CHUNKS * CHUNK);
        Path image = Files.write(dir.resolve("v2.img"), ReuseDevice.random(CHUNKS * CHUNK, 5));
        Fixture f = new Fixture(device.bundle(image, "2.0.0", CHUNK), image, device.slotB);
        return f;
    }

    private static final class Fixture {
        final Path bundle;
        final Path image;
        final Path slot;
        long failAfter = Long.MAX_VALUE;
        long interruptAt = Long.MAX_VALUE;
        SyncScheduler.DoneBelowListener journal = covered -> { };

        Fixture(Path bundle, Path image, Path slot) {
            this.bundle = bundle;
            this.image = image;
            this.slot = slot;
        }

        ImageSection section() throws IOException {
            try (BundleReader r = BundleReader.open(FileSource.open(bundle), ManifestVerifier.unverified(), null)) {
                return r.nextImage();
            }
        }

        /** Runs the pipeline over the bundle's image into {@code target} (closed after), one verify worker. */
        ChunkPipeline.Outcome run(BlockTarget target, long doneBelow, long syncInterval) throws IOException {
            try (target;
                 BundleSource source = new InterruptOnRead(new InterruptingSource(FileSource.open(bundle), failAfter),
                         interruptAt);
                 BundleReader r = BundleReader.open(source, ManifestVerifier.unverified(), null);
                 SavedTables.Builder tables = new SavedTables(slot.resolveSibling("tables"))
                         .builder("B", (long) CHUNKS * CHUNK, CHUNK)) {
                ImageSection section = r.nextImage();
                ChunkRoutes routes = new ChunkRoutes(CHUNKS);
                for (long i = 0; i < CHUNKS; i++) {
                    routes.set(i, i < doneBelow ? ChunkRoutes.Route.IN_PLACE : ChunkRoutes.Route.DOWNLOAD);
                }
                ProgressTracker progress = new ProgressTracker(new InstallListener() { }, (long) CHUNKS * CHUNK);
                return new ChunkPipeline(section, routes, target, null, tables, progress, journal, 1,
                        syncInterval, 4L << 20).run(source, doneBelow);
            }
        }
    }

    /** Interrupts the reading thread once a read reaches {@code interruptAt} (and lets that read go on). */
    private static final class InterruptOnRead extends FilterSource {
        private final long interruptAt;

        InterruptOnRead(BundleSource inner, long interruptAt) {
            super(inner);
            this.interruptAt = interruptAt;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (inner.position() + len > interruptAt) {
                Thread.currentThread().interrupt();
            }
            return inner.read(buf, off, len);
        }

        @Override
        public void readRanges(List<ByteRange> ranges, RangeSink sink) throws IOException {
            BundleSource.readEach(this, ranges, sink);
        }
    }

    /**
     * A file slot that notes whether its writes come from a daemon thread, and whose sync can be slow (a device
     * that does not give up an fsync for an interrupt) or fail once every byte of the image was written.
     */
    private static final class WatchedTarget extends StorageInterposer {
        final BlockTarget target;
        private final long failSyncAfter;
        private final long slowSyncMillis;
        private final AtomicLong written = new AtomicLong();
        private final AtomicLong syncsStarted = new AtomicLong();
        long failWriteAt = -1;
        /** Runs on the sync thread as the first sync starts. */
        Runnable onFirstSync = () -> { };
        final List<String> nonDaemonWriters = new CopyOnWriteArrayList<>();

        WatchedTarget(BlockTarget inner, long failSyncAfter, long slowSyncMillis) {
            this.target = wrap(inner);
            this.failSyncAfter = failSyncAfter;
            this.slowSyncMillis = slowSyncMillis;
        }

        @Override
        protected void write(BlockTarget real, ByteBuffer src, long offset) throws IOException {
            int n = src.remaining();
            if (offset == failWriteAt) {
                // fail only once the sync of the chunk before is under way, whatever the threads' timing
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (syncsStarted.get() * CHUNK < offset && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                throw new IOException("write failed");
            }
            if (!Thread.currentThread().isDaemon()) {
                nonDaemonWriters.add(Thread.currentThread().getName());
            }
            real.write(src, offset);
            written.addAndGet(n);
        }

        @Override
        protected void sync(BlockTarget real) throws IOException {
            if (syncsStarted.incrementAndGet() == 1) {
                onFirstSync.run();
            }
            long until = System.nanoTime() + slowSyncMillis * 1_000_000;
            for (long left; (left = until - System.nanoTime()) > 0; ) {
                try {
                    Thread.sleep(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    // An fsync in the kernel goes on whatever the thread is told.
                }
            }
            Thread.interrupted(); // (an interrupt that came between two sleeps: the kernel's fsync ignores it too)
            real.sync();
            if (written.get() == failSyncAfter) {
                throw new IOException("sync failed after the last chunk");
            }
        }
    }
}
