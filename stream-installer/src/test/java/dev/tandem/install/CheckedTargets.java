package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Opens targets as the installer does, but checks every write against the image the bundle carries: a byte that
 * reaches a slot and differs from the image's byte at that offset is an unverified byte, and is recorded. Also
 * records which ranges were written or zeroed, so a test can ask whether a chunk was ever touched.
 */
final class CheckedTargets implements UnaryOperator<BlockTarget> {

    /** A range written ({@code zero} false) or zeroed. */
    record Written(long offset, long length, boolean zero) {
        boolean overlaps(long from, long len) {
            return offset < from + len && from < offset + length;
        }
    }

    private final Path image;
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final List<Written> written = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger opened = new AtomicInteger();

    /** @param image the image every target must end up holding */
    CheckedTargets(Path image) {
        this.image = image;
    }

    /** Wraps a target the installer opened for writing. */
    @Override
    public BlockTarget apply(BlockTarget inner) {
        opened.incrementAndGet();
        return new Checked(inner);
    }

    /** Writes whose bytes were not the image's. */
    List<String> violations() {
        return List.copyOf(violations);
    }

    List<Written> written() {
        return List.copyOf(written);
    }

    /** Whether any write or zeroing touched {@code [offset, offset + length)}. */
    boolean touched(long offset, long length) {
        return written().stream().anyMatch(w -> w.overlaps(offset, length));
    }

    /** Bytes written (zeroed ranges not counted). */
    long bytesWritten() {
        return bytes.get();
    }

    /** Targets opened for writing. */
    int opened() {
        return opened.get();
    }

    private final class Checked implements BlockTarget {
        private final BlockTarget inner;
        private final FileChannel expected;

        Checked(BlockTarget inner) {
            this.inner = inner;
            try {
                this.expected = FileChannel.open(image, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public long size() throws IOException {
            return inner.size();
        }

        @Override
        public void write(ByteBuffer src, long offset) throws IOException {
            byte[] data = new byte[src.remaining()];
            src.duplicate().get(data);
            byte[] want = new byte[data.length];
            int n = readExpected(want, offset);
            if (n < data.length || !Arrays.equals(data, want)) {
                violations.add("write of " + data.length + " bytes at " + offset + " differs from the image");
            }
            written.add(new Written(offset, data.length, false));
            bytes.addAndGet(data.length);
            inner.write(src, offset);
        }

        @Override
        public int read(ByteBuffer dst, long offset) throws IOException {
            return inner.read(dst, offset);
        }

        @Override
        public void zero(long offset, long length) throws IOException {
            byte[] want = new byte[(int) length];
            int n = readExpected(want, offset);
            for (int k = 0; k < n; k++) {
                if (want[k] != 0) {
                    violations.add("zeroed " + length + " bytes at " + offset + " where the image is not zero");
                    break;
                }
            }
            written.add(new Written(offset, length, true));
            inner.zero(offset, length);
        }

        @Override
        public void sync() throws IOException {
            inner.sync();
        }

        @Override
        public void close() throws IOException {
            try {
                inner.close();
            } finally {
                expected.close();
            }
        }

        private int readExpected(byte[] into, long offset) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(into);
            while (b.hasRemaining()) {
                int r = expected.read(b, offset + b.position());
                if (r < 0) {
                    break;
                }
            }
            return b.position();
        }
    }
}
