package dev.tandem.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Image contents for tests, all reproducible from a seed: random (incompressible), all-zero, compressible
 * text, and a mix of the three at sub-chunk granularity, as a real filesystem image has.
 */
final class TestImages {

    /** The kinds of content {@link #of} makes. */
    enum Content { ZERO, RANDOM, COMPRESSIBLE, MIXED }

    private static final String[] WORDS = ("the quick brown fox jumps over the lazy dog while tandem writes "
            + "chunks into the other slot and the bootloader tries it once before it is marked good").split(" ");

    private TestImages() {
    }

    static byte[] of(Content content, int size, long seed) {
        return switch (content) {
            case ZERO -> new byte[size];
            case RANDOM -> random(size, seed);
            case COMPRESSIBLE -> compressible(size, seed);
            case MIXED -> mixed(size, seed);
        };
    }

    /** Incompressible bytes. */
    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        fillRandom(b, 0, size, new SplittableRandom(seed));
        return b;
    }

    /** Text made of a few words: zstd shrinks it several times. */
    static byte[] compressible(int size, long seed) {
        byte[] b = new byte[size];
        fillText(b, 0, size, new SplittableRandom(seed));
        return b;
    }

    /**
     * Runs of 1 to 12 KiB of zeros, random bytes and text in random order: chunks of every kind appear, and
     * runs cross chunk and block boundaries.
     */
    static byte[] mixed(int size, long seed) {
        byte[] b = new byte[size];
        SplittableRandom r = new SplittableRandom(seed);
        int at = 0;
        while (at < size) {
            int run = Math.min(size - at, 1024 + r.nextInt(11 * 1024));
            switch (r.nextInt(3)) {
                case 0 -> { } // zeros
                case 1 -> fillRandom(b, at, run, r);
                default -> fillText(b, at, run, r);
            }
            at += run;
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        return TarBytes.concat(parts);
    }

    /** Writes {@code content} to {@code dir/name.img}. */
    static Path write(Path dir, String name, byte[] content) {
        try {
            Files.createDirectories(dir);
            return Files.write(dir.resolve(name + ".img"), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha().digest(bytes));
    }

    static MessageDigest sha() {
        return ChunkHasher.sha256();
    }

    private static void fillRandom(byte[] b, int off, int len, SplittableRandom r) {
        int end = off + len;
        int i = off;
        while (i + 8 <= end) {
            long v = r.nextLong();
            for (int k = 0; k < 8; k++) {
                b[i++] = (byte) (v >>> (8 * k));
            }
        }
        while (i < end) {
            b[i++] = (byte) r.nextInt(256);
        }
    }

    private static void fillText(byte[] b, int off, int len, SplittableRandom r) {
        int i = off;
        int end = off + len;
        while (i < end) {
            byte[] w = (WORDS[r.nextInt(WORDS.length)] + (r.nextInt(12) == 0 ? "\n" : " "))
                    .getBytes(StandardCharsets.US_ASCII);
            int n = Math.min(w.length, end - i);
            System.arraycopy(w, 0, b, i, n);
            i += n;
        }
    }
}
