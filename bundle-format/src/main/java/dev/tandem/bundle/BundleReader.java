package dev.tandem.bundle;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The strict one-pass reader of FORMAT.md. It walks a {@link BundleSource} front to back: marker, manifest,
 * signature (checked by the {@link ManifestVerifier} before the manifest is parsed), then per image the chunk
 * table (checked against the signed manifest), the position of the block hints and of the stored chunks.
 * Every length is checked against a limit or against signed data before anything is read.
 *
 * <p>Usage: {@link #open}, then {@link #nextImage()} once per manifest image, reading that image's chunks
 * through the returned {@link ImageSection}, then {@link #finish()} to check the end of the container.
 */
public final class BundleReader implements Closeable {

    static final String MARKER_NAME = "tandem-bundle";
    static final String MANIFEST_NAME = "manifest.json";
    static final String SIGNATURE_NAME = "manifest.json.p7s";
    static final byte[] MARKER = "tandem-bundle 1\n".getBytes(StandardCharsets.US_ASCII);
    /** Largest signature accepted. */
    public static final int MAX_SIGNATURE_SIZE = 64 * 1024;

    private final BundleSource source;
    private final ChunkIndexReader indexReader;
    private final byte[] manifestBytes;
    private final byte[] signature;
    private final Manifest manifest;
    private final String bundleId;
    private int nextImage;
    private ImageSection current;

    private BundleReader(BundleSource source, ChunkIndexReader indexReader, byte[] manifestBytes, byte[] signature,
                         Manifest manifest) {
        this.source = source;
        this.indexReader = indexReader;
        this.manifestBytes = manifestBytes;
        this.signature = signature;
        this.manifest = manifest;
        this.bundleId = sha256Hex(manifestBytes);
    }

    /**
     * Reads the container up to the first image: marker, manifest, signature. The signature is verified
     * before the manifest is parsed. With {@link ManifestVerifier#unverified()} chunk tables are read only up to
     * {@link ChunkIndexReader#UNVERIFIED_LIMIT} bytes each, on the heap: nobody vouches for the sizes they declare.
     *
     * @param spillDir where large chunk tables are spilled; null for java.io.tmpdir
     */
    public static BundleReader open(BundleSource source, ManifestVerifier verifier, Path spillDir) throws IOException {
        Cursor c = new Cursor(source);
        byte[] marker;
        try {
            marker = c.entry(MARKER_NAME, MARKER.length, MARKER.length);
        } catch (VerificationException e) {
            // A text file, a disk image or an empty file is not a truncated or damaged bundle: say what it is.
            // A damaged first header still shows its tar magic or the marker's name, and keeps its own message.
            // Empty input stays "truncated": that is what a cut-off download looks like.
            if (c.sawTarHeader || source.position() == 0) {
                throw e;
            }
            throw TarFormat.container("not a tandem bundle: it does not start with the tar entry " + MARKER_NAME);
        }
        if (!java.util.Arrays.equals(marker, MARKER)) {
            String shown = new String(marker, StandardCharsets.US_ASCII).trim();
            throw TarFormat.container("not a tandem bundle version 1 (marker says '"
                    + shown.replaceAll("[^\\x20-\\x7e]", "?") + "')");
        }
        byte[] manifestBytes = c.entry(MANIFEST_NAME, 2, ManifestParser.MAX_SIZE);
        byte[] signature = c.entry(SIGNATURE_NAME, 1, MAX_SIGNATURE_SIZE);
        verifier.verify(manifestBytes, signature);
        Manifest manifest = ManifestParser.parse(manifestBytes);
        ChunkIndexReader indexReader = verifier.checksSignature() ? new ChunkIndexReader(spillDir)
                : ChunkIndexReader.forUnverifiedManifest();
        return new BundleReader(source, indexReader, manifestBytes, signature, manifest);
    }

    /** The parsed, verified manifest. */
    public Manifest manifest() {
        return manifest;
    }

    /** The exact signed manifest bytes. */
    public byte[] manifestBytes() {
        return manifestBytes.clone();
    }

    /** The DER signature bytes. */
    public byte[] signature() {
        return signature.clone();
    }

    /** The bundle id: hex SHA-256 of the manifest bytes. The same for a re-signed bundle. */
    public String bundleId() {
        return bundleId;
    }

    /** Whether another image follows. */
    public boolean hasNextImage() {
        return nextImage < manifest.images().size();
    }

    /**
     * Reads the next image's chunk table and locates its hints and stored chunks. The previous image's
     * section becomes invalid.
     */
    public ImageSection nextImage() throws IOException {
        if (!hasNextImage()) {
            throw new IllegalStateException("no more images");
        }
        skipPastCurrent();
        ImageEntry image = manifest.images().get(nextImage++);
        Cursor c = new Cursor(source);
        String idxName = "images/" + image.name() + ".idx";
        long idxSize = c.header(idxName, 1, ChunkIndexReader.maxCompressedSize(image));
        ChunkIndex index = indexReader.read(limited(source, idxSize, idxName), idxSize, image);
        c.padding(idxSize, idxName);

        String blkName = "images/" + image.name() + ".blk";
        long blkSize = 8L * image.blocksPerChunk() * index.nonZeroCount();
        c.header(blkName, blkSize, blkSize);
        long hintsOffset = source.position();
        source.seek(hintsOffset + blkSize);
        source.willRead(source.position() + TarFormat.padding(blkSize) + TarFormat.BLOCK);
        c.padding(blkSize, blkName);

        String datName = "images/" + image.name() + ".dat";
        long datSize = index.storedTotal();
        c.header(datName, datSize, datSize);
        current = new ImageSection(source, index, hintsOffset, source.position());
        return current;
    }

    /**
     * After the last image: checks that only zero blocks follow, then the end of the file.
     */
    public void finish() throws IOException {
        if (hasNextImage()) {
            throw new IllegalStateException("images left to read");
        }
        skipPastCurrent();
        byte[] block = new byte[TarFormat.BLOCK];
        int zeroBlocks = 0;
        while (true) {
            int n = readFully(source, block, 0, block.length);
            if (n == 0) {
                break;
            }
            if (n < block.length) {
                throw TarFormat.container("bundle ends with a partial block");
            }
            if (!TarFormat.allZero(block, 0, block.length)) {
                throw TarFormat.container("trailing data after the last entry");
            }
            if (++zeroBlocks * TarFormat.BLOCK > TarFormat.MAX_TRAILER) {
                throw TarFormat.container("more than " + TarFormat.MAX_TRAILER + " bytes after the last entry");
            }
        }
        if (zeroBlocks < 2) {
            throw TarFormat.container("bundle is truncated: missing end-of-archive blocks");
        }
    }

    private void skipPastCurrent() throws IOException {
        if (current != null) {
            String datName = "images/" + current.image().name() + ".dat";
            source.seek(current.dataOffset() + current.index().storedTotal());
            new Cursor(source).padding(current.index().storedTotal(), datName);
            current = null;
        }
    }

    @Override
    public void close() throws IOException {
        source.close();
    }

    static String sha256Hex(byte[] bytes) {
        MessageDigest d = ChunkHasher.sha256();
        return HexFormat.of().formatHex(d.digest(bytes));
    }

    /** Reads until {@code len} bytes or the end; returns the count. */
    static int readFully(BundleSource s, byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int n = s.read(b, off + done, len - done);
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /**
     * A stream of exactly {@code len} bytes of entry data from {@code s}'s position, then the end; a source
     * that ends first is a truncated bundle.
     */
    static InputStream limited(BundleSource s, long len, String name) {
        return new InputStream() {
            long left = len;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return readNBytes(one, 0, 1) == 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int n) throws IOException {
                if (left == 0) {
                    return -1;
                }
                int r = s.read(b, off, (int) Math.min(n, left));
                if (r < 0) {
                    // A VerificationException like every other truncation, not an EOFException: the
                    // bundle is malformed (exit code 3), the source did not fail.
                    throw TarFormat.container("bundle is truncated inside " + name);
                }
                left -= r;
                return r;
            }
        };
    }

    /** Reads tar headers and entry data from the source's current position. */
    private static final class Cursor {
        private static final byte[] TAR_MAGIC = "ustar".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] MARKER_NAME_BYTES = MARKER_NAME.getBytes(StandardCharsets.US_ASCII);
        private final BundleSource s;
        /** Whether a header block read so far had the ustar magic or began with the marker's name. */
        boolean sawTarHeader;

        Cursor(BundleSource s) {
            this.s = s;
        }

        /** Reads a whole small entry: header, data, padding. */
        byte[] entry(String name, long min, long max) throws IOException {
            long size = header(name, min, max);
            byte[] data = new byte[(int) size];
            exactly(data, 0, data.length, name);
            padding(size, name);
            return data;
        }

        /** Reads the header (and a pax header before it) of the entry that must come next; returns its size. */
        long header(String expectedName, long min, long max) throws IOException {
            byte[] block = new byte[TarFormat.BLOCK];
            long at = s.position();
            readHeaderBlock(block, expectedName);
            TarFormat.Header h = TarFormat.parse(block, "entry at byte " + at);
            long size = h.size();
            if (h.pax()) {
                if (h.size() <= 0 || h.size() >= TarFormat.BLOCK) {
                    throw TarFormat.container("pax header before " + expectedName + " has a bad size");
                }
                byte[] pax = new byte[(int) h.size()];
                exactly(pax, 0, pax.length, expectedName);
                padding(pax.length, expectedName);
                size = TarFormat.parsePaxSize(pax, "pax header before " + expectedName);
                at = s.position();
                readHeaderBlock(block, expectedName);
                TarFormat.Header real = TarFormat.parse(block, "entry at byte " + at);
                if (real.pax() || real.size() != 0) {
                    throw TarFormat.container(expectedName + ": a pax size must be followed by a plain entry of size 0");
                }
                h = real;
            }
            if (!h.name().equals(expectedName)) {
                throw TarFormat.container("expected entry " + expectedName + ", found '"
                        + h.name().replaceAll("[^\\x20-\\x7e]", "?") + "'");
            }
            if (size < min || size > max) {
                throw TarFormat.container(expectedName + " is " + size + " bytes, allowed "
                        + (min == max ? "exactly " + min : min + " to " + max));
            }
            // Read next: this entry, its padding and the next header (the block hints and the stored chunks are
            // jumped over or fetched by range; their callers hint again).
            s.willRead(s.position() + size + TarFormat.padding(size) + TarFormat.BLOCK);
            return size;
        }

        private void readHeaderBlock(byte[] block, String expectedName) throws IOException {
            int n = readFully(s, block, 0, block.length);
            sawTarHeader |= n >= 262 && java.util.Arrays.equals(block, 257, 262, TAR_MAGIC, 0, TAR_MAGIC.length)
                    || n >= MARKER_NAME_BYTES.length
                    && java.util.Arrays.equals(block, 0, MARKER_NAME_BYTES.length, MARKER_NAME_BYTES, 0,
                    MARKER_NAME_BYTES.length);
            if (n == 0) {
                throw TarFormat.container("bundle is truncated: " + expectedName + " is missing");
            }
            if (n < block.length) {
                throw TarFormat.container("bundle is truncated inside the header of " + expectedName);
            }
            if (TarFormat.allZero(block, 0, block.length)) {
                throw TarFormat.container("bundle ends before " + expectedName);
            }
        }

        void exactly(byte[] b, int off, int len, String name) throws IOException {
            if (readFully(s, b, off, len) < len) {
                throw TarFormat.container("bundle is truncated inside " + name);
            }
        }

        void padding(long size, String name) throws IOException {
            byte[] b = new byte[TarFormat.padding(size)];
            exactly(b, 0, b.length, name);
            if (!TarFormat.allZero(b, 0, b.length)) {
                throw TarFormat.container(name + ": non-zero bytes in the padding after its data");
            }
        }
    }
}
