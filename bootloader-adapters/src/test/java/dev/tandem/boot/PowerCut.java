package dev.tandem.boot;

import dev.tandem.boot.storage.BlockTarget;
import dev.tandem.boot.storage.DurableFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Cuts the power at the Nth durable step (a file replace or delete, a block write, a sync barrier): that step
 * and everything after it never happens. A block write that is cut may be torn: its first {@code tornBytes}
 * reach the medium. What a completed {@link DurableFile#replace} wrote is whole (temp file, fsync, rename,
 * directory fsync), so a replace is one step.
 */
final class PowerCut {

    private final int at;
    private final int tornBytes;
    private int steps;
    private boolean happened;

    PowerCut(int at, int tornBytes) {
        this.at = at;
        this.tornBytes = tornBytes;
    }

    /** Whether the cut happened; false means the operation completed before step {@code at}. */
    boolean happened() {
        return happened;
    }

    private boolean cutNow() {
        steps++;
        if (steps == at) {
            happened = true;
        }
        return steps == at;
    }

    private IOException cut() {
        return new IOException("power cut at step " + at);
    }

    DurableFile wrap(DurableFile real) {
        return new DurableFile() {
            @Override
            public Path path() {
                return real.path();
            }

            @Override
            public Optional<byte[]> read() throws IOException {
                return real.read();
            }

            @Override
            public void replace(byte[] content) throws IOException {
                if (cutNow()) {
                    throw cut();
                }
                real.replace(content);
            }

            @Override
            public void delete() throws IOException {
                if (cutNow()) {
                    throw cut();
                }
                real.delete();
            }
        };
    }

    BlockTarget wrap(BlockTarget real) {
        return new BlockTarget() {
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
                if (cutNow()) {
                    ByteBuffer torn = src.duplicate();
                    torn.limit(torn.position() + Math.min(tornBytes, torn.remaining()));
                    real.write(torn, offset);
                    real.sync();
                    throw cut();
                }
                real.write(src, offset);
            }

            @Override
            public int read(ByteBuffer dst, long offset) throws IOException {
                return real.read(dst, offset);
            }

            @Override
            public void zero(long offset, long length) throws IOException {
                if (cutNow()) {
                    throw cut();
                }
                real.zero(offset, length);
            }

            @Override
            public void sync() throws IOException {
                if (cutNow()) {
                    throw cut();
                }
                real.sync();
            }

            @Override
            public void close() throws IOException {
                real.close();
            }
        };
    }
}
