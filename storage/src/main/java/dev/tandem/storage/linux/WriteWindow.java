package dev.tandem.storage.linux;

import dev.tandem.storage.ChannelIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.BitSet;

/**
 * Gathers the installer's chunk-sized writes to a block device into large aligned writes that bypass the page
 * cache ({@code O_DIRECT}).
 *
 * <p>Why: a buffered write copies every byte into freshly allocated page-cache pages, and the kernel writes them
 * out again later; on the 2-core benchmark VM that copy alone cost 1.9 s of CPU per GiB and {@code dd bs=4M
 * conv=fsync} took 4-5 s, against about 1 s with {@code oflag=direct}. Direct writes of 64 KiB each are slow
 * again (one request each), so writes are gathered here first.
 *
 * <p>The window is an aligned range of the device ({@link #SIZE} bytes, aligned to its size) and a direct buffer
 * of that size. A write inside it is copied to its place and its 4 KiB blocks are marked; the window is written
 * out, as one direct write per run of marked blocks, when it is full, when a write falls outside it, and before
 * anything that must see it (a sync, a read or a zeroing that overlaps it, closing). Chunks that two verify workers
 * finish slightly out of order therefore still leave as one 1 MiB write. Not thread-safe: {@link BlockDevice}
 * locks around it.
 */
final class WriteWindow {

    /**
     * Bytes per window. On the benchmark's loop device direct writes of 512 KiB, 1 MiB and 4 MiB all ran at the
     * same speed (1 GiB in 0.9-1.3 s; buffered: 3-4 s, 2-3 s of it system CPU). What the window holds when the
     * process is killed is lost and downloaded again on resume: a 4 MiB window took the U-Boot scenario's
     * re-download from 2.1 MB to 4.4 MB, past ARCHITECTURE.md §4's 4 MiB, so the window is 1 MiB.
     */
    static final int SIZE = 1 << 20;
    /** Alignment of direct I/O: NIO checks position, length and address against the file store's 4 KiB block. */
    static final int ALIGN = 4096;

    private final FileChannel direct;
    private final ByteBuffer buffer;
    private final BitSet filled = new BitSet(SIZE / ALIGN);
    private long base = -1;

    /** @param direct the device opened with {@code O_DIRECT} */
    WriteWindow(FileChannel direct) {
        this.direct = direct;
        this.buffer = ByteBuffer.allocateDirect(SIZE + ALIGN).alignedSlice(ALIGN);
    }

    /** Whether a write of {@code length} bytes at {@code offset} can go through a window. */
    static boolean fits(long offset, int length) {
        return length > 0 && offset % ALIGN == 0 && length % ALIGN == 0
                && offset / SIZE == (offset + length - 1) / SIZE;
    }

    /** Takes a write that {@link #fits}; may write out the window to make room. */
    void put(ByteBuffer src, long offset) throws IOException {
        long start = offset - offset % SIZE;
        if (base != start) {
            flush();
            base = start;
        }
        int at = (int) (offset - base);
        int length = src.remaining();
        buffer.clear().position(at);
        buffer.put(src);
        filled.set(at / ALIGN, (at + length) / ALIGN);
        if (filled.cardinality() == SIZE / ALIGN) {
            flush();
        }
    }

    /** Whether unwritten bytes of the window overlap {@code [offset, offset + length)}. */
    boolean overlaps(long offset, long length) {
        return !filled.isEmpty() && offset < base + SIZE && base < offset + length;
    }

    /** Writes out what the window holds, one direct write per run of filled blocks. */
    void flush() throws IOException {
        int from = filled.nextSetBit(0);
        while (from >= 0) {
            int to = filled.nextClearBit(from);
            ByteBuffer run = buffer.clear().position(from * ALIGN).limit(to * ALIGN).slice();
            ChannelIo.writeFully(direct, run, base + (long) from * ALIGN);
            from = filled.nextSetBit(to);
        }
        filled.clear();
    }
}
