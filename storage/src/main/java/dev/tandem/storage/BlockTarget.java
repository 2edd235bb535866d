package dev.tandem.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Positional writes to a slot or a raw environment area. Only {@link #sync} is a barrier: a write is
 * durable once a later {@code sync} has returned, not before.
 */
public interface BlockTarget extends Closeable {

    /** For messages: the device or file path. */
    String name();

    /** Size in bytes (for a block device, its size, never the 0 that {@code stat} reports). */
    long size() throws IOException;

    /** Writes all remaining bytes of {@code src} at {@code offset}. */
    void write(ByteBuffer src, long offset) throws IOException;

    /** Reads into {@code dst} at {@code offset} until it is full or the end is reached; returns bytes read. */
    int read(ByteBuffer dst, long offset) throws IOException;

    /** Makes {@code length} bytes at {@code offset} read as zeros. */
    void zero(long offset, long length) throws IOException;

    /** Barrier: everything written before is durable when this returns (fdatasync). */
    void sync() throws IOException;
}
