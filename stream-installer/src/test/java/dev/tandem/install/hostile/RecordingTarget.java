package dev.tandem.install.hostile;

import dev.tandem.storage.BlockTarget;
import dev.tandem.storage.StorageInterposer;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Wraps a slot ({@link Recorder#wrap}) and checks every write (and every zeroed range) against the chunk table signed by the trusted
 * key: each must be one whole chunk at its place whose chunk hash is the signed one. Anything else reaching the
 * target is a byte that was not verified. The writes still happen, so the installer sees the slot it wrote.
 */
public final class RecordingTarget {

    private RecordingTarget() {
    }

    /** The checks of one install; {@link #wrap} is handed to the installer's target seam. */
    public static final class Recorder extends StorageInterposer {
        private final ChunkIndex signed;
        private final ChunkHasher hasher = new ChunkHasher();
        private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
        private long writtenBytes;

        /** @param signed the table the trusted key signed for this input; null when it has none (nothing may be written) */
        public Recorder(ChunkIndex signed) {
            this.signed = signed;
        }

        @Override
        protected void write(BlockTarget real, ByteBuffer src, long offset) throws IOException {
            byte[] data = new byte[src.remaining()];
            src.duplicate().get(data);
            check(data, offset);
            wrote(data.length);
            real.write(src, offset);
        }

        @Override
        protected void zero(BlockTarget real, long offset, long length) throws IOException {
            check(new byte[(int) Math.min(length, Integer.MAX_VALUE)], offset);
            real.zero(offset, length);
        }

        public List<String> violations() {
            return List.copyOf(violations);
        }

        public synchronized long writtenBytes() {
            return writtenBytes;
        }

        synchronized void wrote(long n) {
            writtenBytes += n;
        }

        synchronized void check(byte[] data, long offset) {
            if (signed == null) {
                violations.add(data.length + " bytes written at " + offset + ", but no chunk table verifies");
                return;
            }
            ImageEntry image = signed.image();
            long i = offset / image.chunkSize();
            if (offset % image.chunkSize() != 0 || i >= signed.count() || data.length != image.chunkLength(i)) {
                violations.add(data.length + " bytes written at " + offset + ": not one whole chunk of the image");
                return;
            }
            byte[] blocks = new byte[image.blocksPerChunk() * ChunkHasher.HASH_SIZE];
            byte[] hash = new byte[ChunkHasher.HASH_SIZE];
            hasher.hash(data, 0, data.length, blocks, hash, 0);
            if (!signed.hashEquals(i, hash, 0)) {
                violations.add("unverified bytes written at " + offset + " (+" + data.length + "): chunk " + i
                        + " does not hash to its signed chunk hash");
            }
        }
    }
}
