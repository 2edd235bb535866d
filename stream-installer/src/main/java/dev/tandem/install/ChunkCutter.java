package dev.tandem.install;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.ImageEntry;
import java.io.IOException;
import java.util.List;

/**
 * Cuts the bytes of one {@link RangeBatcher.Batch}, in whatever fragments the source delivers them, into one
 * {@link ChunkJob} per stored chunk, on the fetch thread. A job's buffer is taken only when its first byte arrives.
 */
final class ChunkCutter implements BundleSource.RangeSink {

    /** Where the cut jobs come from and go to. */
    interface Stage {
        /** A free job; may wait for one. */
        ChunkJob take() throws IOException;

        /** A job whose stored bytes are all there. */
        void cut(ChunkJob j);
    }

    private final List<Long> chunks;
    private final ImageEntry image;
    private final RangeBatcher.StoredLayout layout;
    private final Stage stage;
    private int next;
    private ChunkJob current;
    private int filled;

    ChunkCutter(List<Long> chunks, ImageEntry image, RangeBatcher.StoredLayout layout, Stage stage) {
        this.chunks = chunks;
        this.image = image;
        this.layout = layout;
        this.stage = stage;
    }

    @Override
    public void accept(long offset, byte[] buf, int off, int len) throws IOException {
        int pos = off;
        int left = len;
        while (left > 0) {
            if (current == null) {
                if (next == chunks.size()) {
                    throw new IOException("the source sent more bytes than the ranges asked for");
                }
                long i = chunks.get(next++);
                current = stage.take().of(i, ChunkRoutes.Route.DOWNLOAD, image.chunkLength(i));
                current.storedLength = layout.length(i);
                filled = 0;
            }
            int n = Math.min(left, current.storedLength - filled);
            System.arraycopy(buf, pos, current.stored, filled, n);
            filled += n;
            pos += n;
            left -= n;
            if (filled == current.storedLength) {
                ChunkJob done = current;
                current = null;
                stage.cut(done);
            }
        }
    }

    /** After the source returned: every chunk must have arrived whole. */
    void finish(String sourceName) throws IOException {
        if (current != null || next != chunks.size()) {
            throw new IOException(sourceName + ": ranges ended before all chunks arrived");
        }
    }
}
