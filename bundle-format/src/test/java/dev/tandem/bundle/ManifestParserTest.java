package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.bundle.VerificationException.Kind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FORMAT.md §2: what a manifest may hold, and every way it may not. */
class ManifestParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HASH = "9f3a".repeat(16);
    private static final String INDEX_HASH = "04c1".repeat(16);

    /** The example manifest of ARCHITECTURE.md §3. */
    static final String EXAMPLE = """
            { "format": 1, "compatible": "acme-gw-v2", "version": "2.1.0", "security-version": 7,
              "created": "2026-11-21T10:00:00Z", "description": "release 2.1.0",
              "images": [ { "name": "rootfs", "slot-class": "rootfs", "size": 1073741824,
                            "sha256": "%s", "chunk-size": 65536, "block-size": 4096, "compression": "zstd",
                            "index-sha256": "%s", "index-size": 786448, "chunks": 16384 } ] }
            """.formatted(HASH, INDEX_HASH);

    @Test
    void parsesTheExampleManifest() {
        Manifest m = ManifestParser.parse(EXAMPLE.getBytes(StandardCharsets.UTF_8));
        assertThat(m.format()).isEqualTo(1);
        assertThat(m.compatible()).isEqualTo("acme-gw-v2");
        assertThat(m.version()).isEqualTo("2.1.0");
        assertThat(m.securityVersion()).isEqualTo(7);
        assertThat(m.created()).isEqualTo(Instant.parse("2026-11-21T10:00:00Z"));
        assertThat(m.description()).isEqualTo("release 2.1.0");
        assertThat(m.expires()).isNull();
        assertThat(m.images()).containsExactly(new ImageEntry("rootfs", "rootfs", 1L << 30, HASH, 65536, 4096, "zstd",
                INDEX_HASH, 786448, 16384));
    }

    @Test
    void roundTripsWhatManifestWriterWrites() throws Exception {
        ObjectNode meta = JSON.createObjectNode().put("build", "ci-812");
        meta.putArray("tags").add("a").add(1);
        Manifest m = new Manifest(1, "acme gw v2", "2.1.0-rc.1+build.5", 0, Instant.parse("2026-11-21T10:00:00Z"),
                Instant.parse("2027-01-01T00:00:00Z"), "release", "1.0.0", meta,
                List.of(new ImageEntry("rootfs", "rootfs", 0, HASH, 16384, 4096, "zstd", INDEX_HASH, 16, 0),
                        new ImageEntry("boot-2", "boot", 16385, HASH, 16384, 4096, "zstd", INDEX_HASH, 112, 2)));
        Manifest parsed = ManifestParser.parse(ManifestWriter.write(m));
        // meta compares as JSON text: the parser reads its integers as BigInteger nodes, the writer got ints.
        assertThat(parsed).usingRecursiveComparison().ignoringFields("meta").isEqualTo(m);
        assertThat(parsed.meta().toString()).isEqualTo(meta.toString());
    }

    @Test
    void takesSecurityVersionZeroWhenAbsent() {
        assertThat(parse(m -> m.remove("security-version")).securityVersion()).isZero();
    }

    @Test
    void acceptsAnythingUnderMeta() {
        Manifest m = parse(o -> o.putObject("meta").put("any-key", "x").putNull("nothing").putArray("list").add(1.5));
        assertThat(m.meta().get("list").get(0).asDouble()).isEqualTo(1.5);
    }

    @Nested
    class WhenKeysAreWrong {

        @Test
        void refusesAnUnknownTopLevelKey() {
            assertThat(refused(m -> m.put("installer", "x")))
                    .isEqualTo("manifest: unknown key 'installer' (vendor data belongs under \"meta\")");
        }

        @Test
        void refusesAnUnknownImageKey() {
            assertThat(refused(m -> image(m).put("offset", 0)))
                    .isEqualTo("manifest: unknown key 'images[0].offset' (vendor data belongs under \"meta\")");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"\"version\": \"2.1.0\"", "\"name\": \"rootfs\"", "\"x\": 1"})
        void refusesDuplicateKeysAnywhere(String pair) {
            String json = pair.startsWith("\"name\"")
                    ? EXAMPLE.replace("\"name\": \"rootfs\",", "\"name\": \"rootfs\", " + pair + ",")
                    : pair.startsWith("\"x\"")
                    ? EXAMPLE.replace("\"format\": 1,", "\"format\": 1, \"meta\": {" + pair + ", " + pair + "},")
                    : EXAMPLE.replace("\"format\": 1,", "\"format\": 1, " + pair + ",");
            assertThat(refusedBytes(json.getBytes(StandardCharsets.UTF_8)))
                    .startsWith("manifest: not valid JSON: Duplicate field '");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"format", "compatible", "version", "created", "images"})
        void refusesAMissingRequiredKey(String key) {
            assertThat(refused(m -> m.remove(key))).contains(key.equals("images") ? "images must be an array"
                    : "missing '" + key + "'");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"name", "slot-class", "size", "sha256", "chunk-size", "block-size", "compression",
            "index-sha256", "index-size", "chunks"})
        void refusesAMissingImageKey(String key) {
            assertThat(refused(m -> image(m).remove(key))).isEqualTo("manifest: missing 'images[0]." + key + "'");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"format", "compatible", "version", "security-version", "created", "expires",
            "description", "min-tandem-version", "meta", "images"})
        void refusesNullForEveryKey(String key) {
            assertThat(refused(m -> m.putNull(key))).startsWith("manifest: ");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"name", "size", "sha256", "chunks"})
        void refusesNullForImageKeys(String key) {
            assertThat(refused(m -> image(m).putNull(key))).isEqualTo("manifest: missing 'images[0]." + key + "'");
        }
    }

    @Nested
    class WhenTypesAreWrong {

        @ParameterizedTest(name = "size = {0}")
        @ValueSource(strings = {"\"12\"", "1.5", "12.0", "1e3", "true", "[]", "{}"})
        void refusesASizeThatIsNotAnInteger(String value) {
            assertThat(refusedBytes(EXAMPLE.replace("\"size\": 1073741824", "\"size\": " + value)
                    .getBytes(StandardCharsets.UTF_8))).isEqualTo("manifest: 'images[0].size' must be an integer");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"\"format\": \"1\"", "\"security-version\": 7.0", "\"compatible\": 5",
            "\"version\": 2.1", "\"created\": 1795651566", "\"description\": [\"x\"]", "\"meta\": \"x\"",
            "\"images\": {}"})
        void refusesWrongTypesAtTheTopLevel(String pair) {
            String key = pair.substring(1, pair.indexOf('"', 1));
            String json = EXAMPLE.replaceFirst("\"" + key + "\": [^,]*,", "").replace("{ \"format\"",
                    "{ " + pair + ", \"format\"");
            if (key.equals("format")) {
                json = EXAMPLE.replace("\"format\": 1", pair);
            } else if (key.equals("images")) {
                json = EXAMPLE.substring(0, EXAMPLE.indexOf("\"images\"")) + pair + " }";
            }
            assertThat(refusedBytes(json.getBytes(StandardCharsets.UTF_8))).contains(key);
        }

        @ParameterizedTest(name = "images[0] = {0}")
        @ValueSource(strings = {"\"rootfs\"", "1", "[]", "null"})
        void refusesAnImageThatIsNotAnObject(String value) {
            String json = EXAMPLE.substring(0, EXAMPLE.indexOf("\"images\"")) + "\"images\": [" + value + "] }";
            assertThat(refusedBytes(json.getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo("manifest: images[0] must be an object");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"[]", "\"manifest\"", "1", "null", "true"})
        void refusesADocumentThatIsNotAnObject(String json) {
            assertThat(refusedBytes(json.getBytes(StandardCharsets.UTF_8))).isEqualTo("manifest: not a JSON object");
        }

        @Test
        void refusesAnEmptyDocument() {
            assertThat(refusedBytes(new byte[0])).startsWith("manifest: ");
        }
    }

    @Nested
    class WhenNumbersAreOutOfRange {

        @ParameterizedTest(name = "size = {0}")
        @ValueSource(strings = {"9223372036854775808", "18446744073709551616", "99999999999999999999999999999999"})
        void refusesIntegersBeyondALong(String value) {
            assertThat(refusedBytes(EXAMPLE.replace("1073741824", value).getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo("manifest: 'images[0].size' must be an integer within range");
        }

        @Test
        void refusesNumbersWithMoreThanFortyDigits() {
            assertThat(refusedBytes(EXAMPLE.replace("1073741824", "1".repeat(41)).getBytes(StandardCharsets.UTF_8)))
                    .startsWith("manifest: not valid JSON: Number value length");
        }

        @Test
        void refusesSizesAboveHalfTheLongRange() {
            assertThat(refused(m -> image(m).put("size", Long.MAX_VALUE / 2 + 1)))
                    .isEqualTo("manifest: 'images[0].size' is out of range: 4611686018427387904");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"size", "chunks", "index-size"})
        void refusesNegativeImageNumbers(String key) {
            assertThat(refused(m -> image(m).put(key, -1)))
                    .isEqualTo("manifest: 'images[0]." + key + "' is out of range: -1");
        }

        @Test
        void refusesANegativeSecurityVersion() {
            assertThat(refused(m -> m.put("security-version", -1)))
                    .isEqualTo("manifest: 'security-version' is out of range: -1");
        }

        @Test
        void refusesMoreThanTwoToTheThirtyTwoChunks() {
            long chunks = 1L << 32;
            assertThat(refused(m -> image(m).put("size", chunks * 16384).put("chunk-size", 16384).put("chunks", chunks)
                    .put("index-size", 16 + 48 * chunks)))
                    .isEqualTo("manifest: images[0].chunks is 4294967296, more than a chunk table can count"
                            + " (4294967295)");
        }
    }

    @Nested
    class WhenDerivedValuesDisagree {

        @Test
        void refusesAChunkCountThatDoesNotMatchSizeAndChunkSize() {
            assertThat(refused(m -> image(m).put("chunks", 16385)))
                    .isEqualTo("manifest: images[0].chunks is 16385, but size and chunk-size give 16384");
        }

        @Test
        void refusesAnIndexSizeThatDoesNotMatchTheChunkCount() {
            assertThat(refused(m -> image(m).put("index-size", 786449)))
                    .isEqualTo("manifest: images[0].index-size is 786449, but 16384 chunks need 786448");
        }

        @Test
        void acceptsAnEmptyImageWithNoChunks() {
            ImageEntry e = parse(m -> image(m).put("size", 0).put("chunks", 0).put("index-size", 16)).images().get(0);
            assertThat(e.chunks()).isZero();
        }

        @Test
        void countsAShortLastChunk() {
            ImageEntry e = parse(m -> image(m).put("size", 65537).put("chunks", 2).put("index-size", 112))
                    .images().get(0);
            assertThat(e.chunkLength(1)).isEqualTo(1);
        }
    }

    @Nested
    class WhenValuesAreInvalid {

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"Rootfs", "-rootfs", "root_fs", "root fs", "", "../etc", "rootfs/x", "rootfs.img",
            "abcdefghijklmnopqrstuvwxyz0123456", "rootfs\n", "r\u00f6otfs"})
        void refusesBadImageNames(String name) {
            assertThat(refused(m -> image(m).put("name", name)))
                    .startsWith("manifest: 'images[0].name' has an invalid value");
            assertThat(refused(m -> image(m).put("slot-class", name)))
                    .startsWith("manifest: 'images[0].slot-class' has an invalid value");
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"0", "a", "rootfs-2", "abcdefghijklmnopqrstuvwxyz012345"})
        void acceptsGoodImageNames(String name) {
            assertThat(parse(m -> image(m).put("name", name)).images().get(0).name()).isEqualTo(name);
        }

        @Test
        void refusesTwoImagesWithOneName() {
            assertThat(refused(m -> ((ArrayNode) m.get("images")).add(image(m).deepCopy())))
                    .isEqualTo("manifest: image name 'rootfs' appears twice");
        }

        @Test
        void refusesNoImagesAndMoreThanSixteen() {
            assertThat(refused(m -> ((ArrayNode) m.get("images")).removeAll()))
                    .isEqualTo("manifest: images must list 1 to 16 images, not 0");
            assertThat(refused(m -> {
                ArrayNode images = (ArrayNode) m.get("images");
                for (int i = 1; i <= 16; i++) {
                    images.add(image(m).deepCopy().put("name", "image-" + i));
                }
            })).isEqualTo("manifest: images must list 1 to 16 images, not 17");
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"1", "1.0", "01.0.0", "1.0.0-", "1.0.0+", "v1.0.0", "1.0.0-01", " 1.0.0", "1.0.0\n",
            "1.0.0.0", "1.0.0-a..b", "-1.0.0", "1.0.0-\u00e9"})
        void refusesVersionsThatAreNotSemVer(String version) {
            assertThat(refused(m -> m.put("version", version)))
                    .startsWith("manifest: 'version' is not a SemVer 2.0 version");
            assertThat(refused(m -> m.put("min-tandem-version", version)))
                    .startsWith("manifest: 'min-tandem-version' is not a SemVer 2.0 version");
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"0.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7", "1.0.0-x.7.z.92",
            "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85", "1.0.0-x-y-z.--"})
        void acceptsSemVerVersions(String version) {
            assertThat(parse(m -> m.put("version", version)).version()).isEqualTo(version);
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"99999999999999999999.0.0", "1.9223372036854775808.0", "1.0.12345678901234567890",
            "1.0.99999999999999999999-rc.1"})
        void refusesVersionNumbersBeyondALong(String version) {
            // A malformed manifest (exit 3), not a NumberFormatException when the installer compares versions.
            assertThat(refused(m -> m.put("version", version)))
                    .startsWith("manifest: 'version' is not a SemVer 2.0 version tandem can compare");
            assertThat(refused(m -> m.put("min-tandem-version", version)))
                    .startsWith("manifest: 'min-tandem-version' is not a SemVer 2.0 version tandem can compare");
        }

        @Test
        void acceptsVersionNumbersUpToTheLongRange() {
            String max = Long.MAX_VALUE + "." + Long.MAX_VALUE + "." + Long.MAX_VALUE;
            assertThat(parse(m -> m.put("min-tandem-version", max)).minTandemVersion()).isEqualTo(max);
        }

        @Test
        void refusesVersionsLongerThan128Characters() {
            assertThat(refused(m -> m.put("version", "1.0.0-" + "a".repeat(123))))
                    .startsWith("manifest: 'version' is not a SemVer 2.0 version");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(ints = {0, 4096, 8192, 16383, 16385, 24576, 8 * 1024 * 1024})
        void refusesChunkSizesOtherThanPowersOfTwoFrom16KTo4M(int chunkSize) {
            assertThat(refused(m -> image(m).put("chunk-size", chunkSize))).contains("chunk-size");
        }

        @Test
        void refusesOtherBlockSizesAndCompressions() {
            assertThat(refused(m -> image(m).put("block-size", 8192)))
                    .isEqualTo("manifest: images[0].block-size must be 4096, not 8192");
            assertThat(refused(m -> image(m).put("compression", "gzip")))
                    .isEqualTo("manifest: images[0].compression 'gzip' is not supported (zstd)");
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"sha256", "index-sha256"})
        void refusesHashesThatAreNotLowercaseHex(String key) {
            String[] bad = {HASH.toUpperCase(), HASH.substring(1), HASH + "0", "g" + HASH.substring(1)};
            for (String b : bad) {
                assertThat(refused(m -> image(m).put(key, b)))
                        .startsWith("manifest: 'images[0]." + key + "' has an invalid value");
            }
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"2026-11-21 10:00:00", "2026-11-21", "yesterday", "2026-13-01T00:00:00Z", ""})
        void refusesTimesThatAreNotRfc3339(String time) {
            assertThat(refused(m -> m.put("created", time)))
                    .startsWith("manifest: 'created' is not an RFC 3339 UTC time");
            assertThat(refused(m -> m.put("expires", time)))
                    .startsWith("manifest: 'expires' is not an RFC 3339 UTC time");
        }

        @Test
        void refusesFormatsOtherThanOne() {
            assertThat(refused(m -> m.put("format", 2)))
                    .isEqualTo("manifest: format 2 is not supported by this tandem (it reads format 1)");
            assertThat(refused(m -> m.put("format", 0))).isEqualTo("manifest: 'format' is out of range: 0");
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"", " acme", "acme ", "acme\ngw", "acme\u00e9"})
        void refusesCompatibleStringsThatAreNotPrintableAscii(String compatible) {
            assertThat(refused(m -> m.put("compatible", compatible)))
                    .isEqualTo("manifest: compatible must be 1-128 printable ASCII characters");
        }

        @Test
        void refusesCompatibleStringsOver128Characters() {
            parse(m -> m.put("compatible", "a".repeat(128)));
            assertThat(refused(m -> m.put("compatible", "a".repeat(129))))
                    .isEqualTo("manifest: compatible must be 1-128 printable ASCII characters");
        }

        @Test
        void refusesDescriptionsOver4096Characters() {
            parse(m -> m.put("description", "d".repeat(4096)));
            assertThat(refused(m -> m.put("description", "d".repeat(4097))))
                    .isEqualTo("manifest: description is longer than 4096 characters");
        }
    }

    @Nested
    class WhenTheDocumentIsMalformed {

        @Test
        void acceptsNestingOfSixteenAndRefusesSeventeen() {
            // Depth counts every object and array, the manifest itself included.
            parseBytes(nested(16));
            assertThat(refusedBytes(nested(17))).startsWith("manifest: not valid JSON: Document nesting depth (17)");
        }

        @Test
        void refusesDocumentsOverOneMebibyteEvenWhenValid() {
            byte[] json = EXAMPLE.getBytes(StandardCharsets.UTF_8);
            byte[] big = Arrays.copyOf(json, ManifestParser.MAX_SIZE + 1);
            Arrays.fill(big, json.length, big.length, (byte) ' ');
            assertThat(refusedBytes(big)).isEqualTo("manifest: larger than 1048576 bytes");
            parseBytes(Arrays.copyOf(big, ManifestParser.MAX_SIZE));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {" {}", " x", " // comment", " /* c */", ","})
        void refusesAnythingAfterTheObject(String tail) {
            assertThat(refusedBytes((EXAMPLE.strip() + tail).getBytes(StandardCharsets.UTF_8)))
                    .startsWith("manifest: ");
        }

        @Test
        void refusesComments() {
            assertThat(refusedBytes(EXAMPLE.replace("\"format\": 1,", "/* signed */ \"format\": 1,")
                    .getBytes(StandardCharsets.UTF_8))).startsWith("manifest: not valid JSON");
        }

        @Test
        void refusesInvalidUtf8() {
            byte[] json = EXAMPLE.replace("release 2.1.0", "release XX").getBytes(StandardCharsets.UTF_8);
            int at = new String(json, StandardCharsets.UTF_8).indexOf("XX");
            json[at] = (byte) 0xff;
            json[at + 1] = (byte) 0xfe;
            assertThat(refusedBytes(json)).startsWith("manifest: not valid JSON");
        }

        @Test
        void refusesSingleQuotesAndUnquotedKeys() {
            assertThat(refusedBytes(EXAMPLE.replace("\"format\"", "'format'").getBytes(StandardCharsets.UTF_8)))
                    .startsWith("manifest: not valid JSON");
            assertThat(refusedBytes(EXAMPLE.replace("\"format\"", "format").getBytes(StandardCharsets.UTF_8)))
                    .startsWith("manifest: not valid JSON");
        }
    }

    /** The example with {@code meta} nested so that the deepest container is at {@code depth}. */
    /** Each limit exactly reached is accepted, one beyond it refused (boundaries PIT's mutants move by one). */
    @Nested
    class AtTheLimits {

        @Test
        void acceptsSixteenImages() {
            Manifest m = parse(o -> {
                ArrayNode images = (ArrayNode) o.get("images");
                for (int i = 1; i < 16; i++) {
                    images.add(image(o).deepCopy().put("name", "image-" + i));
                }
            });
            assertThat(m.images()).hasSize(16);
        }

        @Test
        void acceptsTwoToTheThirtyTwoMinusOneChunks() {
            long chunks = 0xFFFF_FFFFL;
            ImageEntry e = parse(m -> image(m).put("size", chunks * 16384).put("chunk-size", 16384)
                    .put("chunks", chunks).put("index-size", 16 + 48 * chunks)).images().get(0);
            assertThat(e.chunks()).isEqualTo(chunks);
        }

        @Test
        void acceptsTheLargestSecurityVersion() {
            assertThat(parse(m -> m.put("security-version", Long.MAX_VALUE)).securityVersion())
                    .isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void takesASizeOfExactlyHalfTheLongRangeAsInRange() {
            long size = Long.MAX_VALUE / 2;
            long chunks = size / 65536 + 1;
            // In range, so the next check speaks: too many chunks, not "out of range".
            assertThat(refused(m -> image(m).put("size", size).put("chunks", chunks).put("index-size", 16 + 48 * chunks)))
                    .isEqualTo("manifest: images[0].chunks is " + chunks + ", more than a chunk table can count"
                            + " (4294967295)");
        }

        @Test
        void acceptsAVersionOfExactly128Characters() {
            String version = "1.0.0-" + "a".repeat(122);
            assertThat(version).hasSize(128);
            assertThat(parse(m -> m.put("version", version)).version()).isEqualTo(version);
        }

        @Test
        void saysAVersionOfExactly128CharactersIsBeyondWhatTandemCanCompare() {
            String version = "99999999999999999999.0.0-" + "a".repeat(103);
            assertThat(version).hasSize(128);
            assertThat(refused(m -> m.put("version", version)))
                    .startsWith("manifest: 'version' is not a SemVer 2.0 version tandem can compare");
        }

        @Test
        void quotesAnInvalidValueWholeUpTo40CharactersAndCutsItAfter() {
            assertThat(refused(m -> image(m).put("name", "X".repeat(40))))
                    .isEqualTo("manifest: 'images[0].name' has an invalid value '" + "X".repeat(40) + "'");
            assertThat(refused(m -> image(m).put("name", "X".repeat(41))))
                    .isEqualTo("manifest: 'images[0].name' has an invalid value '" + "X".repeat(40) + "...'");
        }
    }

    private static byte[] nested(int depth) {
        int inner = depth - 2; // the manifest and meta itself
        String meta = "{\"a\":".repeat(inner) + "{}" + "}".repeat(inner);
        return EXAMPLE.replace("\"format\": 1,", "\"format\": 1, \"meta\": " + meta + ",")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static ObjectNode image(ObjectNode manifest) {
        return (ObjectNode) manifest.get("images").get(0);
    }

    private static byte[] edited(Consumer<ObjectNode> edit) {
        try {
            ObjectNode m = (ObjectNode) JSON.readTree(EXAMPLE);
            edit.accept(m);
            return JSON.writeValueAsBytes(m);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Manifest parse(Consumer<ObjectNode> edit) {
        return parseBytes(edited(edit));
    }

    private static Manifest parseBytes(byte[] json) {
        return ManifestParser.parse(json);
    }

    private static String refused(Consumer<ObjectNode> edit) {
        return refusedBytes(edited(edit));
    }

    /** Asserts a one-line MANIFEST refusal and returns its message. */
    private static String refusedBytes(byte[] json) {
        VerificationException e = catchThrowableOfType(VerificationException.class, () -> ManifestParser.parse(json));
        assertThat(e).as("refused: %s", new String(json, StandardCharsets.UTF_8)).isNotNull();
        assertThat(e.kind()).isEqualTo(Kind.MANIFEST);
        SampleBundle.assertOneLine(e);
        return e.getMessage();
    }

}
