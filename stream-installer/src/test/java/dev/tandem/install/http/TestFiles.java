package dev.tandem.install.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Random files for HTTP tests, reproducible from a seed, and digests to compare them. */
final class TestFiles {

    private TestFiles() {
    }

    static Path random(Path dir, String name, long size, long seed) throws IOException {
        Path p = dir.resolve(name);
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(p)) {
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(buf.length, left);
                for (int i = 0; i < n; i += 8) {
                    long v = rnd.nextLong();
                    for (int j = 0; j < 8 && i + j < n; j++) {
                        buf[i + j] = (byte) (v >>> (8 * j));
                    }
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
        return p;
    }

    static String sha256(Path p) throws IOException {
        MessageDigest md = sha();
        byte[] buf = new byte[1 << 20];
        try (var in = Files.newInputStream(p)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a source to its end with a buffer of {@code bufSize}, returning the SHA-256 of what it read. */
    static String drain(dev.tandem.bundle.BundleSource s, int bufSize) throws IOException {
        MessageDigest md = sha();
        byte[] buf = new byte[bufSize];
        // Like the bundle reader, say how far the reading goes: the source then asks for all of it at once.
        s.willRead(s.size().orElse(Long.MAX_VALUE));
        int n;
        while ((n = s.read(buf, 0, buf.length)) >= 0) {
            md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
