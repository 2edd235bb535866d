package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.bundle.ImageEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChunkCutterTest {

    private static final int CHUNK = 16 * 1024;
    /** Stored lengths of chunks 0..5 (all downloaded here): sizes around the buffer, down to one byte. */
    private static final int[] STORED = {CHUNK, 1, 5000, CHUNK - 1, 2, 777};
    private static final ImageEntry IMAGE = RawChunks.shape((long) STORED.length * CHUNK, CHUNK);

    private static final RangeBatcher.StoredLayout LAYOUT = new RangeBatcher.StoredLayout() {
        @Override
        public long offset(long chunk) {
            long at = 0;
            for (int i = 0; i < chunk; i++) {
                at += STORED[i];
            }
            return at;
        }

        @Override
        public int length(long chunk) {
            return STORED[(int) chunk];
        }
    };

    /** Takes fresh jobs and records what was cut, and when a job was taken. */
    private static final class Recorder implements ChunkCutter.Stage {
        final List<byte[]> cut = new ArrayList<>();
        final List<Long> cutIndex = new ArrayList<>();
        int taken;

        @Override
        public ChunkJob take() {
            taken++;
            return new ChunkJob(CHUNK);
        }

        @Override
        public void cut(ChunkJob j) {
            assertThat(j.route).isEqualTo(ChunkRoutes.Route.DOWNLOAD);
            assertThat(j.length).isEqualTo(IMAGE.chunkLength(j.index));
            cut.add(Arrays.copyOf(j.stored, j.storedLength));
            cutIndex.add(j.index);
        }
    }

    private static byte[] stream() {
        byte[] all = new byte[Arrays.stream(STORED).sum()];
        new SplittableRandom(3).nextBytes(all);
        return all;
    }

    private static List<Long> chunks() {
        List<Long> c = new ArrayList<>();
        for (long i = 0; i < STORED.length; i++) {
            c.add(i);
        }
        return c;
    }

    private static void assertCutExactly(Recorder r, byte[] all) {
        assertThat(r.cutIndex).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        assertThat(r.taken).isEqualTo(STORED.length);
        int at = 0;
        for (int i = 0; i < STORED.length; i++) {
            assertThat(r.cut.get(i)).as("chunk " + i).isEqualTo(Arrays.copyOfRange(all, at, at + STORED[i]));
            at += STORED[i];
        }
    }

    @Test
    void everyFragmentSizeCutsTheSameChunks() throws IOException {
        byte[] all = stream();
        for (int frag = 1; frag <= all.length; frag += frag < 64 ? 1 : 997) {
            Recorder r = new Recorder();
            ChunkCutter cutter = new ChunkCutter(chunks(), IMAGE, LAYOUT, r);
            for (int at = 0; at < all.length; at += frag) {
                int n = Math.min(frag, all.length - at);
                // A fragment sits anywhere in the source's buffer.
                byte[] buf = new byte[n + 7];
                System.arraycopy(all, at, buf, 7, n);
                cutter.accept(at, buf, 7, n);
            }
            cutter.finish("test");
            assertCutExactly(r, all);
        }
    }

    @Test
    void fragmentsEndingAtEveryChunkBoundaryTakeNoBufferBeforeTheNextByte() throws IOException {
        byte[] all = stream();
        Recorder r = new Recorder();
        ChunkCutter cutter = new ChunkCutter(chunks(), IMAGE, LAYOUT, r);
        int at = 0;
        for (int i = 0; i < STORED.length; i++) {
            cutter.accept(at, all, at, STORED[i]);
            at += STORED[i];
            assertThat(r.taken).as("after chunk " + i).isEqualTo(i + 1);
            assertThat(r.cut).hasSize(i + 1);
        }
        cutter.finish("test");
        assertCutExactly(r, all);
    }

    @Test
    void aSourceThatEndsEarlyIsAnIoError() throws IOException {
        byte[] all = stream();
        for (int end : new int[] {0, 1, STORED[0], STORED[0] + 1, all.length - 1}) {
            ChunkCutter cutter = new ChunkCutter(chunks(), IMAGE, LAYOUT, new Recorder());
            cutter.accept(0, all, 0, end);
            assertThatThrownBy(() -> cutter.finish("bundle.tdm")).as("ended at " + end)
                    .isInstanceOf(IOException.class).hasMessage("bundle.tdm: ranges ended before all chunks arrived");
        }
    }

    @Test
    void aSourceThatSendsMoreThanAskedIsAnIoError() {
        byte[] all = Arrays.copyOf(stream(), stream().length + 1);
        ChunkCutter cutter = new ChunkCutter(chunks(), IMAGE, LAYOUT, new Recorder());
        assertThatThrownBy(() -> cutter.accept(0, all, 0, all.length)).isInstanceOf(IOException.class)
                .hasMessageContaining("more bytes than the ranges asked for");
    }
}
