package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.FileBlockTarget;
import dev.tandem.storage.StorageInterposer;
import dev.tandem.bundle.ChunkIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlotWriterTest {

    private static final int CHUNK = 16 * 1024;

    @TempDir
    Path dir;

    @Test
    void writesVerifiedChunksZeroRunsAndConfirmsInPlaceChunksWithoutWriting() throws IOException {
        // The last chunk is short: the local chunk and the downloaded one differ in length.
        byte[] image = new byte[4 * CHUNK + 5000];
        new SplittableRandom(2).nextBytes(image);
        Arrays.fill(image, CHUNK, 3 * CHUNK, (byte) 0);
        ChunkIndex index = RawChunks.index(image, CHUNK);
        byte[] before = new byte[image.length];
        Arrays.fill(before, (byte) 7);
        System.arraycopy(image, 3 * CHUNK, before, 3 * CHUNK, CHUNK);
        Path file = Files.write(dir.resolve("slot"), before);
        List<Long> journal = new ArrayList<>();
        SavedTables saved = new SavedTables(dir.resolve("tables"));
        try (BlockTarget target = FileBlockTarget.open(file);
             SavedTables.Builder tables = saved.builder("B", image.length, CHUNK)) {
            SyncScheduler sync = new SyncScheduler(0, 1L << 30, target::sync, journal::add);
            List<InstallProgress> reports = new ArrayList<>();
            ProgressTracker progress = new ProgressTracker(new InstallListener() {
                @Override
                public void progress(InstallProgress p) {
                    reports.add(p);
                }
            }, image.length);
            SlotWriter w = new SlotWriter(index, target, tables, progress, sync, handoffs());
            // Checked by the real ChunkVerifier, which also computes the block hashes the tables record.
            ChunkRoutes routes = new ChunkRoutes(5);
            routes.setLocal(4, 4L * CHUNK);
            try (BlockTarget localSlot = FileBlockTarget.openReadOnly(Files.write(dir.resolve("local"), image));
                 dev.tandem.bundle.ChunkDecoder decoder = new dev.tandem.bundle.ChunkDecoder()) {
                ChunkVerifier verifier = new ChunkVerifier(index, routes, target, localSlot);
                ChunkJob first = new ChunkJob(CHUNK).of(0, ChunkRoutes.Route.DOWNLOAD, CHUNK);
                System.arraycopy(image, 0, first.stored, 0, CHUNK);
                first.storedLength = CHUNK;
                assertThatThrownBy(() -> w.write(first)).as("not verified").isInstanceOf(IllegalStateException.class);
                assertThat(verifier.verify(first, decoder)).isTrue();
                w.write(first);
                ChunkJob inPlace = new ChunkJob(CHUNK).of(3, ChunkRoutes.Route.IN_PLACE, CHUNK);
                assertThatThrownBy(() -> w.write(inPlace)).as("not verified")
                        .isInstanceOf(IllegalStateException.class).hasMessage("unverified chunk 3 reached the writer");
                assertThat(verifier.verifyInPlace(inPlace, decoder)).isTrue();
                w.write(inPlace);
                ChunkJob local = new ChunkJob(CHUNK).of(4, ChunkRoutes.Route.LOCAL, 5000);
                assertThat(verifier.verify(local, decoder)).isTrue();
                w.write(local);
            }
            // After chunk 3's tables: a zero run must record its own chunks and no more.
            ChunkJob zeros = new ChunkJob(CHUNK).of(1, ChunkRoutes.Route.ZERO, 2 * CHUNK);
            zeros.count = 2;
            w.write(zeros);
            sync.drain(5, "rootfs");
            sync.stop();
            assertThat(Arrays.equals(Files.readAllBytes(file), image)).as("the slot holds the image").isTrue();
            assertThat(w.written()).as("downloaded and local").isEqualTo(CHUNK + 5000);
            assertThat(w.zeroed()).isEqualTo(2 * CHUNK);
            assertThat(w.reused()).as("in place and local").isEqualTo(CHUNK + 5000);
            progress.flush();
            assertThat(reports.get(reports.size() - 1).chunksDone()).as("each chunk reported once").isEqualTo(5);
            assertThat(reports.get(reports.size() - 1).imageBytesDone()).isEqualTo(image.length);
            tables.commit();
        }
        // The tables recorded while writing are those of the image: each chunk's hash, each block's hash prefix.
        SavedTables.SavedChunks chunks = saved.chunks("B");
        assertThat(chunks.count()).isEqualTo(5);
        for (long i = 0; i < 5; i++) {
            assertThat(chunks.hashEquals(i, index, i)).as("chunk %d", i).isTrue();
        }
        try (BlockTarget slot = FileBlockTarget.openReadOnly(file);
             SavedTables.Builder hashed = saved.builder("hashed", image.length, CHUNK)) {
            SlotReader.hashSlot(slot, image.length, CHUNK, 2, hashed);
        }
        assertThat(Files.readAllBytes(saved.blkFile("B"))).isEqualTo(Files.readAllBytes(saved.blkFile("hashed")));
    }

    @Test
    void aWriterThatReachesTheEndBeforeEveryChunkWasWrittenFailsThePipeline() throws IOException {
        byte[] image = new byte[2 * CHUNK];
        ChunkIndex index = RawChunks.index(image, CHUNK);
        Path file = Files.write(dir.resolve("slot"), image);
        PipelineFailure failure = new PipelineFailure();
        PipelineHandoffs handoffs = new PipelineHandoffs(failure, new JobPool(2, CHUNK), null, null, 1);
        try (BlockTarget target = FileBlockTarget.open(file);
             SavedTables.Builder tables = new SavedTables(dir.resolve("tables")).builder("B", image.length, CHUNK)) {
            SyncScheduler sync = new SyncScheduler(0, 1L << 30, target::sync, covered -> { });
            handoffs.toWriter(handoffs.take().of(0, ChunkRoutes.Route.ZERO, CHUNK));
            handoffs.end();
            new SlotWriter(index, target, tables, new ProgressTracker(new InstallListener() { }, image.length), sync,
                    handoffs).run();
            sync.stop();
            assertThatThrownBy(failure::check).isInstanceOf(IllegalStateException.class)
                    .hasMessage("image rootfs: chunk 1 was never written");
        }
    }

    /**
     * A failure elsewhere (a verify worker's mismatch, a failed download) while the writer is in the middle of a
     * group: the writer writes nothing more, neither the rest of that group nor the groups still queued. A resume
     * trusts the slot only up to its journal's window; chunks written past it after the failure were fetched again.
     */
    @Test
    void afterAFailureTheWriterWritesNoFurtherJobNeitherInItsGroupNorQueued() throws Exception {
        byte[] image = new byte[3 * CHUNK];
        new SplittableRandom(3).nextBytes(image);
        ChunkIndex index = RawChunks.index(image, CHUNK);
        byte[] before = new byte[image.length];
        Arrays.fill(before, (byte) 7);
        Path file = Files.write(dir.resolve("slot"), before);
        PipelineFailure failure = new PipelineFailure();
        List<Long> written = new ArrayList<>();
        StorageInterposer failsTheRunAtTheFirstWrite = new StorageInterposer() {
            @Override
            protected void write(BlockTarget real, java.nio.ByteBuffer src, long offset) throws IOException {
                super.write(real, src, offset);
                written.add(offset / CHUNK);
                failure.fail(new IOException("chunk 9: sha256 mismatch"));
            }
        };
        try (VerifyWorkers workers = new VerifyWorkers(1);
             BlockTarget target = failsTheRunAtTheFirstWrite.wrap(FileBlockTarget.open(file));
             SavedTables.Builder tables = new SavedTables(dir.resolve("tables")).builder("B", image.length, CHUNK)) {
            ChunkRoutes routes = new ChunkRoutes(3);
            for (long i = 0; i < 3; i++) {
                routes.set(i, ChunkRoutes.Route.DOWNLOAD);
            }
            ChunkVerifier verifier = new ChunkVerifier(index, routes, target, null);
            PipelineHandoffs handoffs = new PipelineHandoffs(failure, new JobPool(3, CHUNK), workers, verifier, 2);
            // Chunks 0 and 1 reach the writer as one group, chunk 2 as the next.
            for (long i = 0; i < 3; i++) {
                ChunkJob j = handoffs.take().of(i, ChunkRoutes.Route.DOWNLOAD, CHUNK);
                System.arraycopy(image, (int) i * CHUNK, j.stored, 0, CHUNK);
                j.storedLength = CHUNK;
                handoffs.toVerify(j);
            }
            handoffs.dispatch();
            SyncScheduler sync = new SyncScheduler(0, 1L << 30, target::sync, covered -> { });
            Thread writer = new Thread(new SlotWriter(index, target, tables,
                    new ProgressTracker(new InstallListener() { }, image.length), sync, handoffs), "install-write");
            writer.start();
            writer.join(30_000);
            sync.stop();
            assertThat(writer.isAlive()).as("the writer ended at the failure").isFalse();
        }
        assertThat(written).as("chunks written").containsExactly(0L);
        byte[] after = Files.readAllBytes(file);
        assertThat(Arrays.copyOfRange(after, CHUNK, 3 * CHUNK)).as("untouched after the failure")
                .isEqualTo(Arrays.copyOfRange(before, CHUNK, 3 * CHUNK));
    }

    private static PipelineHandoffs handoffs() {
        return new PipelineHandoffs(new PipelineFailure(), new JobPool(2, CHUNK), null, null, 1);
    }
}
