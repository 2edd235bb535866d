package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.FileBlockTarget;
import dev.tandem.bundle.ChunkDecoder;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.bundle.VerificationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkVerifierTest {

    private static final int CHUNK = 16 * 1024;
    /** Three chunks, the last one short (two and a half blocks). */
    private static final byte[] IMAGE = new byte[2 * CHUNK + 10_000];

    static {
        new SplittableRandom(9).nextBytes(IMAGE);
    }

    @TempDir
    Path dir;
    private final ChunkIndex index = RawChunks.index(IMAGE, CHUNK);
    private final ChunkDecoder decoder = new ChunkDecoder();
    private final ChunkRoutes routes = new ChunkRoutes(3);
    private BlockTarget target;
    private BlockTarget local;

    @BeforeEach
    void open() throws IOException {
        // The target holds the image; the local slot holds chunk 1 at offset 3 and chunk 2's blocks scattered.
        target = FileBlockTarget.open(Files.write(dir.resolve("target"), IMAGE));
        byte[] slot = new byte[8 * CHUNK];
        System.arraycopy(IMAGE, CHUNK, slot, 3, CHUNK);
        System.arraycopy(IMAGE, 2 * CHUNK, slot, 5 * ImageEntry.BLOCK_SIZE, 2 * ImageEntry.BLOCK_SIZE);
        System.arraycopy(IMAGE, 2 * CHUNK + 2 * ImageEntry.BLOCK_SIZE, slot, 9 * ImageEntry.BLOCK_SIZE,
                10_000 - 2 * ImageEntry.BLOCK_SIZE);
        local = FileBlockTarget.open(Files.write(dir.resolve("local"), slot));
    }

    @AfterEach
    void close() throws IOException {
        target.close();
        local.close();
        decoder.close();
    }

    private ChunkVerifier verifier() {
        return new ChunkVerifier(index, routes, target, local);
    }

    private static ChunkJob job(long i, ChunkRoutes.Route route) {
        return new ChunkJob(CHUNK).of(i, route, (int) Math.min(CHUNK, IMAGE.length - i * CHUNK));
    }

    private static byte[] chunk(long i) {
        return Arrays.copyOfRange(IMAGE, (int) i * CHUNK, (int) Math.min(IMAGE.length, (i + 1) * CHUNK));
    }

    @Test
    void aDownloadedRawChunkIsVerifiedWhereItWasFetched() throws IOException {
        ChunkJob j = job(2, ChunkRoutes.Route.DOWNLOAD);
        byte[] stored = j.stored;
        System.arraycopy(chunk(2), 0, stored, 0, j.length);
        j.storedLength = j.length;
        assertThat(verifier().verify(j, decoder)).isTrue();
        assertThat(j.verified).isTrue();
        assertThat(j.data).as("no copy: the buffers were swapped").isSameAs(stored);
        assertThat(Arrays.copyOf(j.data, j.length)).isEqualTo(chunk(2));
    }

    @Test
    void aDownloadedChunkThatIsNotTheSignedOneFailsTheInstall() {
        ChunkJob j = job(0, ChunkRoutes.Route.DOWNLOAD);
        System.arraycopy(chunk(0), 0, j.stored, 0, j.length);
        j.stored[100] ^= 1;
        j.storedLength = j.length;
        assertThatThrownBy(() -> verifier().verify(j, decoder)).isInstanceOf(VerificationException.class);
        assertThat(j.verified).isFalse();
    }

    @Test
    void aLocalCopyIsReadAtItsOffsetAndChecked() throws IOException {
        routes.setLocal(1, 3);
        ChunkJob j = job(1, ChunkRoutes.Route.LOCAL);
        assertThat(verifier().verify(j, decoder)).isTrue();
        assertThat(Arrays.copyOf(j.data, j.length)).isEqualTo(chunk(1));
    }

    @Test
    void aLocalCopyThatChangedIsOnlyNotThere() throws IOException {
        routes.setLocal(1, 4);
        ChunkJob j = job(1, ChunkRoutes.Route.LOCAL);
        assertThat(verifier().verify(j, decoder)).isFalse();
        assertThat(j.verified).isFalse();
    }

    @Test
    void aShortLocalReadIsAnIoErrorNotAFailedCheck() {
        routes.setLocal(1, 8L * CHUNK - 100);
        ChunkJob j = job(1, ChunkRoutes.Route.LOCAL);
        assertThatThrownBy(() -> verifier().verify(j, decoder)).isInstanceOf(IOException.class)
                .isNotInstanceOf(VerificationException.class).hasMessageContaining("ended after 100 bytes");
    }

    @Test
    void aChunkIsAssembledFromRunsOfLocalBlocksAndZeroBlocks() throws IOException {
        // Blocks 0-1 at local blocks 5-6, block 2 (the short tail) at 9.
        routes.setAssemble(2, new int[] {5, 6, 9}, 3);
        ChunkJob j = job(2, ChunkRoutes.Route.ASSEMBLE);
        assertThat(verifier().verify(j, decoder)).isTrue();
        assertThat(Arrays.copyOf(j.data, j.length)).isEqualTo(chunk(2));

        routes.setAssemble(2, new int[] {5, ChunkRoutes.ZERO_BLOCK, 9}, 3);
        assertThat(verifier().verify(job(2, ChunkRoutes.Route.ASSEMBLE), decoder)).as("a wrong zero block").isFalse();
    }

    @Test
    void consecutiveLocalBlocksAreReadInOneCallThatEndsAtTheChunksLastBlock() throws IOException {
        // Chunks 0 and 1 lie one after the other from local block 10: each chunk's four blocks are one read, and
        // chunk 0's read must not run on into chunk 1's blocks.
        int block = ImageEntry.BLOCK_SIZE;
        byte[] slot = new byte[20 * block];
        System.arraycopy(IMAGE, 0, slot, 10 * block, 2 * CHUNK);
        routes.setAssemble(0, new int[] {10, 11, 12, 13}, 4);
        routes.setAssemble(1, new int[] {14, 15, 16, 17}, 4);
        try (CountingReads localSlot = new CountingReads(FileBlockTarget.open(Files.write(dir.resolve("runs"), slot)))) {
            ChunkVerifier v = new ChunkVerifier(index, routes, target, localSlot);
            for (long i = 0; i < 2; i++) {
                ChunkJob j = job(i, ChunkRoutes.Route.ASSEMBLE);
                assertThat(v.verify(j, decoder)).isTrue();
                assertThat(Arrays.copyOf(j.data, j.length)).isEqualTo(chunk(i));
                assertThat(localSlot.reads).as("reads after chunk %d", i).isEqualTo(i + 1);
            }
        }
    }

    /** Counts the reads of a local slot. */
    private static final class CountingReads implements BlockTarget {
        private final BlockTarget slot;
        int reads;

        CountingReads(BlockTarget slot) {
            this.slot = slot;
        }

        @Override
        public int read(java.nio.ByteBuffer dst, long offset) throws IOException {
            reads++;
            return slot.read(dst, offset);
        }

        @Override
        public String name() {
            return slot.name();
        }

        @Override
        public long size() throws IOException {
            return slot.size();
        }

        @Override
        public void write(java.nio.ByteBuffer src, long offset) throws IOException {
            slot.write(src, offset);
        }

        @Override
        public void zero(long offset, long length) throws IOException {
            slot.zero(offset, length);
        }

        @Override
        public void sync() throws IOException {
            slot.sync();
        }

        @Override
        public void close() throws IOException {
            slot.close();
        }
    }

    @Test
    void zeroBlocksOfAnAssembledChunkAreZeroedInAReusedBuffer() throws IOException {
        // A chunk of zero blocks around one data block: zero runs of two and one, and a run of one local block.
        int block = ImageEntry.BLOCK_SIZE;
        byte[] image = new byte[CHUNK];
        byte[] data = Arrays.copyOfRange(IMAGE, 0, block);
        System.arraycopy(data, 0, image, 2 * block, block);
        ChunkIndex zeros = RawChunks.index(image, CHUNK);
        byte[] slot = new byte[10 * block];
        System.arraycopy(data, 0, slot, 7 * block, block);
        ChunkRoutes assembled = new ChunkRoutes(1);
        int[] blocks = new int[CHUNK / block];
        Arrays.fill(blocks, ChunkRoutes.ZERO_BLOCK);
        blocks[2] = 7;
        assembled.setAssemble(0, blocks, blocks.length);
        try (BlockTarget localSlot = FileBlockTarget.open(Files.write(dir.resolve("zeros-local"), slot))) {
            ChunkJob j = new ChunkJob(CHUNK).of(0, ChunkRoutes.Route.ASSEMBLE, CHUNK);
            // The worker's buffer still holds the previous chunk.
            Arrays.fill(j.data, (byte) 0x55);

            assertThat(new ChunkVerifier(zeros, assembled, target, localSlot).verify(j, decoder)).isTrue();
            assertThat(Arrays.copyOf(j.data, j.length)).isEqualTo(image);
        }
    }

    @Test
    void aChunkInPlaceIsCheckedOnTheTargetAndAShortTargetIsAnIoError() throws IOException {
        assertThat(verifier().verifyInPlace(job(1, ChunkRoutes.Route.IN_PLACE), decoder)).isTrue();
        target.write(java.nio.ByteBuffer.wrap(new byte[] {1}), CHUNK + 5L);
        assertThat(verifier().verifyInPlace(job(1, ChunkRoutes.Route.IN_PLACE), decoder)).isFalse();
        Files.write(dir.resolve("short"), Arrays.copyOf(IMAGE, 2 * CHUNK + 1));
        try (BlockTarget shortTarget = FileBlockTarget.open(dir.resolve("short"))) {
            ChunkVerifier v = new ChunkVerifier(index, routes, shortTarget, local);
            assertThatThrownBy(() -> v.verifyInPlace(job(2, ChunkRoutes.Route.IN_PLACE), decoder))
                    .isInstanceOf(IOException.class).isNotInstanceOf(VerificationException.class);
        }
    }

    @Test
    void routesThatAreNotVerifiedOnAWorkerAreABug() {
        assertThatThrownBy(() -> verifier().verify(job(0, ChunkRoutes.Route.IN_PLACE), decoder))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> verifier().verify(job(0, ChunkRoutes.Route.ZERO), decoder))
                .isInstanceOf(IllegalStateException.class);
    }
}
