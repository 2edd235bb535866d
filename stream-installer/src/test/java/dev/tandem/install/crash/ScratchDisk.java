package dev.tandem.install.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where tests that install hundreds of times keep their devices: tmpfs when there is one, so that the
 * installer's many fsyncs cost nothing (these tests simulate power cuts themselves), else java.io.tmpdir.
 */
public final class ScratchDisk {

    private ScratchDisk() {
    }

    public static Path directory(String prefix) throws IOException {
        Path shm = Path.of("/dev/shm");
        Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(base, "tandem-" + prefix);
    }
}
