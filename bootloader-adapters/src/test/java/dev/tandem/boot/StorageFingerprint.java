package dev.tandem.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Detects writes to an environment's files: content, inode (a rename gives a new one) and modification time.
 * {@link #backdate} first sets every file's mtime to a fixed old instant, so that any later write, even of the
 * same bytes within the same clock tick, shows.
 */
final class StorageFingerprint {

    private static final FileTime OLD = FileTime.fromMillis(1_000_000_000_000L);

    private StorageFingerprint() {
    }

    static void backdate(List<Path> paths) throws IOException {
        for (Path f : files(paths)) {
            Files.setLastModifiedTime(f, OLD);
        }
    }

    static List<String> of(List<Path> paths) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path f : files(paths)) {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            out.add(f + " " + a.fileKey() + " " + a.lastModifiedTime().toMillis() + " " + sha256(Files.readAllBytes(f)));
        }
        return out;
    }

    private static List<Path> files(List<Path> paths) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).sorted().forEach(out::add);
                }
            } else if (Files.exists(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
