package dev.tandem.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Creates a bundle (FORMAT.md) from raw images. It streams: each image is read once and never held in
 * memory; its stored chunks go to a temporary file beside the output and are copied into the tar by the
 * kernel once the sizes before them are known. The output appears atomically (temp file, fsync, rename).
 */
public final class BundleWriter {

    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;
    public static final int DEFAULT_LEVEL = 3;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    /** An input image. */
    public record ImageInput(String name, String slotClass, Path path) {
    }

    /** What was written. */
    public record Result(Manifest manifest, String bundleId, long bundleSize) {
    }

    private String compatible;
    private String version;
    private long securityVersion;
    private Instant created;
    private Instant expires;
    private String description;
    private String minTandemVersion;
    private JsonNode meta;
    private int chunkSize = DEFAULT_CHUNK_SIZE;
    private int level = DEFAULT_LEVEL;
    private int threads = Runtime.getRuntime().availableProcessors();
    private final List<ImageInput> images = new ArrayList<>();
    private ManifestSigner signer;

    public BundleWriter compatible(String compatible) {
        this.compatible = compatible;
        return this;
    }

    public BundleWriter version(String version) {
        this.version = version;
        return this;
    }

    public BundleWriter securityVersion(long securityVersion) {
        this.securityVersion = securityVersion;
        return this;
    }

    /** Creation time (default: now); written to the manifest and as every tar entry's mtime. */
    public BundleWriter created(Instant created) {
        this.created = created;
        return this;
    }

    public BundleWriter expires(Instant expires) {
        this.expires = expires;
        return this;
    }

    public BundleWriter description(String description) {
        this.description = description;
        return this;
    }

    public BundleWriter minTandemVersion(String minTandemVersion) {
        this.minTandemVersion = minTandemVersion;
        return this;
    }

    public BundleWriter meta(JsonNode meta) {
        this.meta = meta;
        return this;
    }

    public BundleWriter chunkSize(int chunkSize) {
        this.chunkSize = chunkSize;
        return this;
    }

    /** zstd level for chunks, 1-22 (default 3). */
    public BundleWriter level(int level) {
        this.level = level;
        return this;
    }

    /** Worker threads for hashing and compression (default: available processors). */
    public BundleWriter threads(int threads) {
        this.threads = threads;
        return this;
    }

    public BundleWriter image(String name, String slotClass, Path path) {
        images.add(new ImageInput(name, slotClass, path));
        return this;
    }

    public BundleWriter signer(ManifestSigner signer) {
        this.signer = signer;
        return this;
    }

    /**
     * Writes the bundle to {@code out}, replacing it atomically.
     *
     * @throws IllegalArgumentException for invalid settings, with a message naming the setting
     */
    public Result write(Path out) throws IOException {
        validate();
        Instant when = (created != null ? created : Instant.now()).truncatedTo(ChronoUnit.SECONDS);
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        ImagePacker packer = new ImagePacker(chunkSize, level, threads);
        List<ImagePacker.Packed> packed = new ArrayList<>();
        Path tmp = dir.resolve("." + out.getFileName() + ".tmp");
        try {
            for (ImageInput in : images) {
                packed.add(packer.pack(in.name(), in.slotClass(), in.path(), dir));
            }
            Manifest manifest = new Manifest(Manifest.FORMAT, compatible, version, securityVersion, when, expires,
                    description, minTandemVersion, meta, packed.stream().map(ImagePacker.Packed::entry).toList());
            byte[] manifestBytes = ManifestWriter.write(manifest);
            // Round-trip through the strict parser: never sign what a device would refuse. validate()
            // checks the settings first; this catches what it does not know about, as a settings error.
            try {
                ManifestParser.parse(manifestBytes);
            } catch (VerificationException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            byte[] signature = Objects.requireNonNull(signer.sign(manifestBytes), "signer returned nothing");
            if (signature.length > BundleReader.MAX_SIGNATURE_SIZE) {
                throw new IllegalArgumentException("signature is " + signature.length + " bytes, more than "
                        + BundleReader.MAX_SIGNATURE_SIZE);
            }
            long mtime = when.getEpochSecond();
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                entry(ch, BundleReader.MARKER_NAME, BundleReader.MARKER, mtime);
                entry(ch, BundleReader.MANIFEST_NAME, manifestBytes, mtime);
                entry(ch, BundleReader.SIGNATURE_NAME, signature, mtime);
                for (ImagePacker.Packed p : packed) {
                    String base = "images/" + p.entry().name();
                    fileEntry(ch, base + ".idx", p.idx(), mtime);
                    fileEntry(ch, base + ".blk", p.blk(), mtime);
                    fileEntry(ch, base + ".dat", p.dat(), mtime);
                }
                write(ch, ByteBuffer.allocate(2 * TarFormat.BLOCK));
            }
            // Atomic, so no reader ever sees half a bundle under its name, but not synced: a bundle is a build
            // output, and one that a crash of the build machine cut short is refused by every device (signature,
            // hashes) and built again. Syncing it made `bundle create` wait until every stored byte had reached
            // the disk, work that no peer's tool (mender-artifact, rauc bundle, swugenerator) does.
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Result(manifest, BundleReader.sha256Hex(manifestBytes), Files.size(out));
        } finally {
            Files.deleteIfExists(tmp);
            for (ImagePacker.Packed p : packed) {
                Files.deleteIfExists(p.idx());
                Files.deleteIfExists(p.blk());
                Files.deleteIfExists(p.dat());
            }
        }
    }

    private void validate() {
        require(compatible != null && !compatible.isBlank(), "compatible is required");
        require(ManifestParser.isValidCompatible(compatible), "compatible '" + printable(compatible)
                + "' must be 1-128 printable ASCII characters, without a space at either end");
        require(description == null || description.length() <= ManifestParser.MAX_DESCRIPTION,
                "description is longer than " + ManifestParser.MAX_DESCRIPTION + " characters");
        require(meta == null || meta.isObject(), "meta must be a JSON object");
        // The manifest itself is one level; readers refuse documents nested deeper than MAX_DEPTH.
        require(meta == null || 1 + depth(meta) <= ManifestParser.MAX_DEPTH,
                "meta is nested deeper than " + (ManifestParser.MAX_DEPTH - 1) + " levels");
        require(ManifestParser.isSemVer(version), "version '" + printable(version)
                + "' is not a SemVer 2.0 version of at most 128 characters (e.g. 1.2.0)");
        require(minTandemVersion == null || ManifestParser.isSemVer(minTandemVersion),
                "min-tandem-version is not a SemVer 2.0 version");
        require(securityVersion >= 0, "security-version must not be negative");
        require(ImageEntry.isValidChunkSize(chunkSize), "chunk size " + chunkSize
                + " is not a power of two from 16K to 4M");
        require(level >= 1 && level <= 22, "zstd level must be 1 to 22, not " + level);
        require(!images.isEmpty(), "at least one image is required");
        require(images.size() <= ManifestParser.MAX_IMAGES, "at most " + ManifestParser.MAX_IMAGES + " images");
        require(signer != null, "a signer is required");
        Set<String> names = new HashSet<>();
        for (ImageInput in : images) {
            require(NAME.matcher(in.name()).matches(), "image name '" + in.name()
                    + "' must match [a-z0-9][a-z0-9-]{0,31}");
            require(NAME.matcher(in.slotClass()).matches(), "slot class '" + in.slotClass()
                    + "' must match [a-z0-9][a-z0-9-]{0,31}");
            require(names.add(in.name()), "image name '" + in.name() + "' given twice");
            require(Files.isReadable(in.path()), "image " + in.path() + " does not exist or is not readable");
            require(!Files.isDirectory(in.path()), "image " + in.path() + " is a directory");
        }
    }

    /** Levels of objects and arrays in {@code node}, itself included; 0 for a scalar. */
    private static int depth(JsonNode node) {
        int deepest = 0;
        for (JsonNode child : node) {
            deepest = Math.max(deepest, depth(child));
        }
        return node.isContainerNode() ? 1 + deepest : 0;
    }

    /** For messages: control and non-ASCII characters as '?', long values cut. */
    private static String printable(String s) {
        if (s == null) {
            return "null";
        }
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 40 ? p.substring(0, 40) + "..." : p;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void entry(FileChannel ch, String name, byte[] data, long mtime) throws IOException {
        write(ch, ByteBuffer.wrap(TarFormat.headerFor(name, data.length, mtime)));
        write(ch, ByteBuffer.wrap(data));
        write(ch, ByteBuffer.allocate(TarFormat.padding(data.length)));
    }

    private static void fileEntry(FileChannel ch, String name, Path file, long mtime) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            write(ch, ByteBuffer.wrap(TarFormat.headerFor(name, size, mtime)));
            long done = 0;
            while (done < size) {
                // transferTo uses copy_file_range/sendfile: the data does not pass through the heap.
                done += in.transferTo(done, size - done, ch);
            }
            write(ch, ByteBuffer.allocate(TarFormat.padding(size)));
        }
    }

    private static void write(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
