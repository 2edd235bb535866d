package dev.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** The positional I/O loops every {@link BlockTarget} needs: one place, so no target gets one of them wrong. */
public final class ChannelIo {

    /** Zeros are written in chunks of at most this many bytes, whatever the length to zero. */
    private static final int ZERO_CHUNK = 1 << 20;

    private ChannelIo() {
    }

    /** Writes all of {@code src} at {@code offset}: a positional write may write less than asked. */
    public static void writeFully(FileChannel channel, ByteBuffer src, long offset) throws IOException {
        long pos = offset;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
    }

    /** Reads into {@code dst} at {@code offset} until it is full or the end is reached; returns bytes read. */
    public static int readFully(FileChannel channel, ByteBuffer dst, long offset) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, offset + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** Zeros {@code [offset, offset + length)} of {@code target} by writing zeros, for targets with no better way. */
    public static void writeZeros(BlockTarget target, long offset, long length) throws IOException {
        if (length <= 0) {
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, length));
        long done = 0;
        while (done < length) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            target.write(zeros, offset + done);
            done += zeros.limit();
        }
    }
}
