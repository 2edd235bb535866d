package dev.tandem.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * What every {@link DurableFile} on a local path shares: the absolute path, reading the whole file, and the
 * directory sync that makes a rename or a delete durable. Subclasses differ only in how they replace content.
 */
abstract class FileOnDisk implements DurableFile {

    final Path path;

    FileOnDisk(Path path) {
        this.path = path.toAbsolutePath();
    }

    @Override
    public final Path path() {
        return path;
    }

    @Override
    public final Optional<byte[]> read() throws IOException {
        try {
            return Optional.of(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** A rename or delete is durable only once its directory is: without this a power cut may undo it. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
