package dev.tandem.bundle;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns manifest bytes into a {@link Manifest}, refusing everything FORMAT.md §2 does not allow. Call it
 * only on bytes whose signature has verified: the parser is strict, but it is still a parser.
 */
public final class ManifestParser {

    /** Largest manifest accepted (FORMAT.md §1). */
    public static final int MAX_SIZE = 1024 * 1024;
    static final int MAX_DEPTH = 16;
    static final int MAX_IMAGES = 16;
    static final int MAX_DESCRIPTION = 4096;
    static final int MAX_VERSION_LENGTH = 128;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final Pattern HEX256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern COMPATIBLE = Pattern.compile("[\\x21-\\x7e]([\\x20-\\x7e]{0,126}[\\x21-\\x7e])?");
    /** SemVer 2.0 (semver.org's grammar). */
    static final Pattern SEMVER = Pattern.compile(
            "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
                    + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?");

    private static final Set<String> TOP_KEYS = Set.of("format", "compatible", "version", "security-version",
            "created", "expires", "description", "min-tandem-version", "meta", "images");
    private static final Set<String> IMAGE_KEYS = Set.of("name", "slot-class", "size", "sha256", "chunk-size",
            "block-size", "compression", "index-sha256", "index-size", "chunks");

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_DEPTH)
                            .maxNumberLength(40)
                            .maxStringLength(MAX_SIZE)
                            .build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            .build();

    private ManifestParser() {
    }

    /** Parses and validates. */
    public static Manifest parse(byte[] bytes) {
        if (bytes.length > MAX_SIZE) {
            throw invalid("larger than " + MAX_SIZE + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw invalid("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid("unreadable: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid("not a JSON object");
        }
        onlyKeys(root, TOP_KEYS, "");
        int format = (int) integer(root, "format", "", 1, Integer.MAX_VALUE);
        if (format != Manifest.FORMAT) {
            throw invalid("format " + format + " is not supported by this tandem (it reads format " + Manifest.FORMAT
                    + ")");
        }
        String compatible = text(root, "compatible", "");
        if (!COMPATIBLE.matcher(compatible).matches()) {
            throw invalid("compatible must be 1-128 printable ASCII characters");
        }
        String version = semver(root, "version", "");
        long securityVersion = root.has("security-version")
                ? integer(root, "security-version", "", 0, Long.MAX_VALUE) : 0;
        Instant created = instant(root, "created", "");
        Instant expires = root.has("expires") ? instant(root, "expires", "") : null;
        String description = root.has("description") ? text(root, "description", "") : null;
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw invalid("description is longer than " + MAX_DESCRIPTION + " characters");
        }
        String minTandem = root.has("min-tandem-version") ? semver(root, "min-tandem-version", "") : null;
        JsonNode meta = root.get("meta");
        if (meta != null && !meta.isObject()) {
            throw invalid("meta must be an object");
        }
        JsonNode imagesNode = root.get("images");
        if (imagesNode == null || !imagesNode.isArray()) {
            throw invalid("images must be an array");
        }
        if (imagesNode.isEmpty() || imagesNode.size() > MAX_IMAGES) {
            throw invalid("images must list 1 to " + MAX_IMAGES + " images, not " + imagesNode.size());
        }
        List<ImageEntry> images = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < imagesNode.size(); i++) {
            ImageEntry image = image(imagesNode.get(i), "images[" + i + "].");
            if (!names.add(image.name())) {
                throw invalid("image name '" + image.name() + "' appears twice");
            }
            images.add(image);
        }
        return new Manifest(format, compatible, version, securityVersion, created, expires, description, minTandem,
                meta, images);
    }

    private static ImageEntry image(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw invalid(where.substring(0, where.length() - 1) + " must be an object");
        }
        onlyKeys(node, IMAGE_KEYS, where);
        String name = pattern(node, "name", where, NAME);
        String slotClass = pattern(node, "slot-class", where, NAME);
        long size = integer(node, "size", where, 0, Long.MAX_VALUE / 2);
        String sha256 = pattern(node, "sha256", where, HEX256);
        long chunkSize = integer(node, "chunk-size", where, 1, Integer.MAX_VALUE);
        if (!ImageEntry.isValidChunkSize(chunkSize)) {
            throw invalid(where + "chunk-size " + chunkSize + " is not a power of two from 16 KiB to 4 MiB");
        }
        long blockSize = integer(node, "block-size", where, 1, Integer.MAX_VALUE);
        if (blockSize != ImageEntry.BLOCK_SIZE) {
            throw invalid(where + "block-size must be 4096, not " + blockSize);
        }
        String compression = text(node, "compression", where);
        if (!compression.equals("zstd")) {
            throw invalid(where + "compression '" + compression + "' is not supported (zstd)");
        }
        String indexSha256 = pattern(node, "index-sha256", where, HEX256);
        long indexSize = integer(node, "index-size", where, 0, Long.MAX_VALUE);
        long chunks = integer(node, "chunks", where, 0, Long.MAX_VALUE);
        long expectedChunks = ImageEntry.chunkCount(size, (int) chunkSize);
        if (chunks != expectedChunks) {
            throw invalid(where + "chunks is " + chunks + ", but size and chunk-size give " + expectedChunks);
        }
        if (chunks > 0xFFFF_FFFFL) {
            throw invalid(where + "chunks is " + chunks + ", more than a chunk table can count (4294967295)");
        }
        if (indexSize != ImageEntry.indexSize(chunks)) {
            throw invalid(where + "index-size is " + indexSize + ", but " + chunks + " chunks need "
                    + ImageEntry.indexSize(chunks));
        }
        return new ImageEntry(name, slotClass, size, sha256, (int) chunkSize, (int) blockSize, compression,
                indexSha256, indexSize, chunks);
    }

    private static void onlyKeys(JsonNode node, Set<String> allowed, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw invalid("unknown key '" + where + key + "' (vendor data belongs under \"meta\")");
            }
        }
    }

    private static JsonNode required(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw invalid("missing '" + where + key + "'");
        }
        return v;
    }

    private static String text(JsonNode node, String key, String where) {
        JsonNode v = required(node, key, where);
        if (!v.isTextual()) {
            throw invalid("'" + where + key + "' must be a string");
        }
        return v.textValue();
    }

    private static String pattern(JsonNode node, String key, String where, Pattern p) {
        String s = text(node, key, where);
        if (!p.matcher(s).matches()) {
            throw invalid("'" + where + key + "' has an invalid value '" + abbreviate(s) + "'");
        }
        return s;
    }

    private static String semver(JsonNode node, String key, String where) {
        String s = text(node, key, where);
        if (!isSemVer(s)) {
            boolean grammar = s.length() <= MAX_VERSION_LENGTH && SEMVER.matcher(s).matches();
            throw invalid("'" + where + key + "' is not a SemVer 2.0 version" + (grammar
                    ? " tandem can compare (a number above " + Long.MAX_VALUE + ")" : "") + ": '" + abbreviate(s)
                    + "'");
        }
        return s;
    }

    private static long integer(JsonNode node, String key, String where, long min, long max) {
        JsonNode v = required(node, key, where);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw invalid("'" + where + key + "' must be an integer" + (v.isIntegralNumber() ? " within range" : ""));
        }
        long value = v.longValue();
        if (value < min || value > max) {
            throw invalid("'" + where + key + "' is out of range: " + value);
        }
        return value;
    }

    private static Instant instant(JsonNode node, String key, String where) {
        String s = text(node, key, where);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw invalid("'" + where + key + "' is not an RFC 3339 UTC time: '" + abbreviate(s) + "'");
        }
    }

    private static String abbreviate(String s) {
        String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }

    private static VerificationException invalid(String what) {
        return new VerificationException(VerificationException.Kind.MANIFEST, "manifest: " + what);
    }

    /**
     * Whether {@code version} is a SemVer 2.0 version of at most 128 characters whose major, minor and patch each
     * fit a long, as the parser accepts. The bound is slot-manager's SemVer's: every accepted version can be
     * compared later (a 20-digit min-tandem-version was an internal error at install time).
     */
    public static boolean isSemVer(String version) {
        if (version == null || version.length() > MAX_VERSION_LENGTH) {
            return false;
        }
        Matcher m = SEMVER.matcher(version);
        return m.matches() && fitsLong(m.group(1)) && fitsLong(m.group(2)) && fitsLong(m.group(3));
    }

    /** For digits without leading zeros (the grammar's): at most Long.MAX_VALUE. */
    private static boolean fitsLong(String digits) {
        String max = Long.toString(Long.MAX_VALUE);
        return digits.length() < max.length() || digits.length() == max.length() && digits.compareTo(max) <= 0;
    }

    /** Whether {@code compatible} is what the parser accepts: 1-128 printable ASCII, no space at either end. */
    static boolean isValidCompatible(String compatible) {
        return compatible != null && COMPATIBLE.matcher(compatible).matches();
    }
}
