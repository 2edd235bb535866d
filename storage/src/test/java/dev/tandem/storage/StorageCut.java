package dev.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Cuts the power at the Nth durable step tandem takes on bootloader storage (a file replace or delete, a block
 * write, a sync): that step and every later one never happen, and tandem sees an I/O error. A block write that is
 * cut may be torn: its first {@code tornBytes} reach the disk. What a completed {@link DurableFile#replace} wrote
 * is whole (temp file, fsync, rename, directory fsync), so a replace is one step. (ARCHITECTURE.md §10: kill -9 loses nothing
 * the kernel has, so the cut is made here, between durable writes.) The adapters' tests cut at every step and read
 * the result with the real tools; hardware-tests boot it with the real bootloader under QEMU.
 */
public final class StorageCut extends StorageInterposer {

    private final int at;
    private final int tornBytes;
    private int steps;
    private boolean happened;
    private boolean cutWrite;

    private StorageCut(int at, int tornBytes) {
        this.at = at;
        this.tornBytes = tornBytes;
    }

    /** No cut: storage passes straight through. */
    public static StorageCut none() {
        return new StorageCut(0, 0);
    }

    /** Cut at durable step {@code at} (1-based); a cut block write leaves its first {@code tornBytes}. */
    public static StorageCut at(int at, int tornBytes) {
        if (at < 1) {
            throw new IllegalArgumentException("steps count from 1");
        }
        return new StorageCut(at, tornBytes);
    }

    /** Whether the cut happened (false: the operation took fewer steps). */
    public boolean happened() {
        return happened;
    }

    /** Steps seen so far. */
    public int steps() {
        return steps;
    }

    /** Whether the cut hit a block write (which a torn variant of the same cut would tear). */
    public boolean cutBlockWrite() {
        return cutWrite;
    }

    @Override
    public String toString() {
        return at == 0 ? "no cut" : "cut at step " + at + (tornBytes > 0 ? " (" + tornBytes + " bytes of a cut write land)" : "");
    }

    private boolean cutNow() {
        steps++;
        if (at != 0 && steps == at) {
            happened = true;
        }
        return happened && steps >= at;
    }

    private IOException cut() {
        return new IOException("power cut (" + this + ")");
    }

    @Override
    protected void replace(DurableFile real, byte[] content) throws IOException {
        if (cutNow()) {
            throw cut();
        }
        real.replace(content);
    }

    @Override
    protected void delete(DurableFile real) throws IOException {
        if (cutNow()) {
            throw cut();
        }
        real.delete();
    }

    @Override
    protected void write(BlockTarget real, ByteBuffer src, long offset) throws IOException {
        if (cutNow()) {
            cutWrite = true;
            if (tornBytes > 0) {
                ByteBuffer torn = src.duplicate();
                torn.limit(torn.position() + Math.min(tornBytes, torn.remaining()));
                real.write(torn, offset);
                real.sync();
            }
            throw cut();
        }
        real.write(src, offset);
    }

    @Override
    protected void zero(BlockTarget real, long offset, long length) throws IOException {
        if (cutNow()) {
            throw cut();
        }
        real.zero(offset, length);
    }

    @Override
    protected void sync(BlockTarget real) throws IOException {
        if (cutNow()) {
            throw cut();
        }
        real.sync();
    }
}
