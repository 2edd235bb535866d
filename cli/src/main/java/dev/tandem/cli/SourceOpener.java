package dev.tandem.cli;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FileSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the bundle a command names: a local file path (URLs and stdin come with the stream installer). */
final class SourceOpener {

    private SourceOpener() {
    }

    /** Whether the bundle comes over the network (then reusing local data saves downloads). */
    static boolean isRemote(String spec) {
        return spec.startsWith("http://") || spec.startsWith("https://");
    }

    static BundleSource open(String spec) throws IOException {
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) {
            throw new UsageException(spec + " is a directory, not a bundle");
        }
        return FileSource.open(p);
    }
}
