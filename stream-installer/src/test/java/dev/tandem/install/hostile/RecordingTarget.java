package dev.tandem.install.hostile;

import dev.tandem.storage.BlockTarget;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Wraps a slot and checks every write (and every zeroed range) against the chunk table signed by the trusted
 * key: each must be one whole chunk at its place whose chunk hash is the signed one. Anything else reaching the
 * target is a byte that was not verified. The writes still happen, so the installer sees the slot it wrote.
 */
public final class RecordingTarget implements BlockTarget {

    /** The checks of one install; {@link #wrap} is handed to the installer's target seam. */
    public static final class Recorder {
        private final ChunkIndex signed;
        private final ChunkHasher hasher = new ChunkHasher();
        private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
        private long writtenBytes;

        /** @param signed the table the trusted key signed for this input; null when it has none (nothing may be written) */
        public Recorder(ChunkIndex signed) {
            this.signed = signed;
        }

        public BlockTarget wrap(BlockTarget real) {
            return new RecordingTarget(real, this);
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

    private final BlockTarget real;
    private final Recorder recorder;

    private RecordingTarget(BlockTarget real, Recorder recorder) {
        this.real = real;
        this.recorder = recorder;
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public long size() throws IOException {
        return real.size();
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        byte[] data = new byte[src.remaining()];
        src.duplicate().get(data);
        recorder.check(data, offset);
        recorder.wrote(data.length);
        real.write(src, offset);
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws IOException {
        return real.read(dst, offset);
    }

    @Override
    public void zero(long offset, long length) throws IOException {
        recorder.check(new byte[(int) Math.min(length, Integer.MAX_VALUE)], offset);
        real.zero(offset, length);
    }

    @Override
    public void sync() throws IOException {
        real.sync();
    }

    @Override
    public void close() throws IOException {
        real.close();
    }
}
