package dev.tandem.install.hostile;

import dev.tandem.boot.storage.BlockTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Wraps a slot and compares every write (and every zeroed range) with the image the signed manifest describes:
 * anything else reaching the target is a byte that was not verified. The writes still happen, so the installer
 * sees the slot it wrote.
 */
public final class RecordingTarget implements BlockTarget {

    /** The checks of one install; {@link #wrap} is handed to the installer's target seam. */
    public static final class Recorder {
        private final byte[] truth;
        private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
        private long writtenBytes;

        public Recorder(byte[] truth) {
            this.truth = truth;
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

        void check(byte[] data, long offset) {
            if (offset < 0 || offset + data.length > truth.length) {
                violations.add(data.length + " bytes written at " + offset + ", outside the " + truth.length
                        + "-byte image");
                return;
            }
            for (int i = 0; i < data.length; i++) {
                if (data[i] != truth[(int) offset + i]) {
                    violations.add("unverified bytes written at " + offset + " (+" + data.length + "): byte "
                            + (offset + i) + " differs from the signed image");
                    return;
                }
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
