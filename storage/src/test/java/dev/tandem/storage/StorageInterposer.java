package dev.tandem.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Sits between tandem and real storage to simulate what storage does on a power cut ({@link StorageCut} for the
 * bootloader adapters, the installer's {@code PowerCut}): the wrappers forward every call to the real file or
 * target, and a subclass overrides only the durable steps it interposes on (write, zero, sync, replace, delete).
 * Reads, names and sizes always pass straight through.
 */
public abstract class StorageInterposer {

    /** {@code real}, with this interposer's durable steps. */
    public final DurableFile wrap(DurableFile real) {
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
                StorageInterposer.this.replace(real, content);
            }

            @Override
            public void delete() throws IOException {
                StorageInterposer.this.delete(real);
            }
        };
    }

    /** {@code real}, with this interposer's durable steps. */
    public final BlockTarget wrap(BlockTarget real) {
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
                StorageInterposer.this.write(real, src, offset);
            }

            @Override
            public int read(ByteBuffer dst, long offset) throws IOException {
                return real.read(dst, offset);
            }

            @Override
            public void zero(long offset, long length) throws IOException {
                StorageInterposer.this.zero(real, offset, length);
            }

            @Override
            public void sync() throws IOException {
                StorageInterposer.this.sync(real);
            }

            @Override
            public void close() throws IOException {
                StorageInterposer.this.close(real);
            }
        };
    }

    protected void replace(DurableFile real, byte[] content) throws IOException {
        real.replace(content);
    }

    protected void delete(DurableFile real) throws IOException {
        real.delete();
    }

    protected void write(BlockTarget real, ByteBuffer src, long offset) throws IOException {
        real.write(src, offset);
    }

    protected void zero(BlockTarget real, long offset, long length) throws IOException {
        real.zero(offset, length);
    }

    protected void sync(BlockTarget real) throws IOException {
        real.sync();
    }

    protected void close(BlockTarget real) throws IOException {
        real.close();
    }
}
