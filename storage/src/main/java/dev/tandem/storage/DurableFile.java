package dev.tandem.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A small file that is only ever replaced whole: after {@link #replace} returns, either the old or the new
 * content survives a power cut, never a mix. State files (status.json, install.json, grubenv, ...) use it.
 */
public interface DurableFile {

    /** The file's path. */
    Path path();

    /** The current content, empty when the file does not exist. */
    Optional<byte[]> read() throws IOException;

    /**
     * Replaces the content. For a file on a POSIX file system ({@link #at}): write a temporary file in the same
     * directory, fsync it, rename it over the file, fsync the directory. For a UEFI variable
     * ({@link #efiVariable}): one write, which the firmware applies atomically.
     */
    void replace(byte[] content) throws IOException;

    /** Removes the file (and fsyncs the directory); no error when it does not exist. */
    void delete() throws IOException;

    /**
     * Makes the renames and deletes in {@code dir} durable (fsync of the directory), for files written
     * otherwise than through {@link #replace}.
     */
    static void syncDirectory(Path dir) throws IOException {
        FileOnDisk.syncDirectory(dir);
    }

    /** The real implementation for {@code path}. */
    static DurableFile at(Path path) {
        return new AtomicReplaceFile(path);
    }

    /**
     * A UEFI variable file in efivarfs (or in a directory laid out like it): replaced by one write of attributes
     * plus data, never through a temporary file, which efivarfs cannot hold.
     */
    static DurableFile efiVariable(Path path) {
        return new EfiVariableFile(path);
    }
}
