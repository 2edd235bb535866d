package dev.tandem.bundle;

import static dev.tandem.bundle.SampleBundle.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.bundle.VerificationException.Kind;
import dev.tandem.testsupport.ExternalTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Well-formed tar, but not a bundle: entries out of order, twice, extra or of the wrong type, other pax keys,
 * data after the end (FORMAT.md §1, §1.1). Every one is a CONTAINER refusal naming the entry or the rule.
 */
class MalformedContainerTest {

    private static final long MTIME = TestBundles.CREATED.getEpochSecond();

    @Nested
    class WhenEntriesAreRearranged {

        @Test
        void refusesSignatureBeforeManifest() {
            assertThat(refusedOrder(1, 2, 2, 1)).isEqualTo("expected entry manifest.json, found 'manifest.json.p7s'");
        }

        @Test
        void refusesBlockHintsBeforeChunkTable() {
            assertThat(refusedOrder(3, 4, 4, 3))
                    .isEqualTo("expected entry images/rootfs.idx, found 'images/rootfs.blk'");
        }

        @Test
        void refusesImagesInAnotherOrderThanTheManifest() {
            List<byte[]> e = entries();
            List<byte[]> swapped = new ArrayList<>(e.subList(0, 3));
            swapped.addAll(e.subList(6, 9));
            swapped.addAll(e.subList(3, 6));
            assertThat(refused(rebuild(swapped), Kind.CONTAINER).getMessage())
                    .isEqualTo("expected entry images/rootfs.idx, found 'images/boot.idx'");
        }

        @Test
        void refusesADuplicatedMarker() {
            assertThat(refusedWith(0, entries().get(0)))
                    .isEqualTo("expected entry manifest.json, found 'tandem-bundle'");
        }

        @Test
        void refusesADuplicatedManifest() {
            assertThat(refusedWith(1, entries().get(1)))
                    .isEqualTo("expected entry manifest.json.p7s, found 'manifest.json'");
        }

        @Test
        void refusesADuplicatedChunkTable() {
            assertThat(refusedWith(3, entries().get(3)))
                    .isEqualTo("expected entry images/rootfs.blk, found 'images/rootfs.idx'");
        }

        @Test
        void refusesADuplicatedLastEntry() {
            assertThat(refusedWith(8, entries().get(8))).isEqualTo("trailing data after the last entry");
        }

        @Test
        void refusesAMissingEntry() {
            List<byte[]> e = entries();
            e.remove(4);
            assertThat(refused(rebuild(e), Kind.CONTAINER).getMessage())
                    .isEqualTo("expected entry images/rootfs.blk, found 'images/rootfs.dat'");
        }

        @Test
        void refusesAnExtraEntryBetweenEntries() {
            byte[] extra = TarBytes.entry("README", "hello\n".getBytes(StandardCharsets.US_ASCII), MTIME);
            assertThat(refusedWith(2, extra)).isEqualTo("expected entry images/rootfs.idx, found 'README'");
        }

        @Test
        void refusesAnExtraEntryAfterTheLastImage() {
            byte[] extra = TarBytes.entry("README", "hello\n".getBytes(StandardCharsets.US_ASCII), MTIME);
            assertThat(refusedWith(8, extra)).isEqualTo("trailing data after the last entry");
        }

        private String refusedOrder(int... swaps) {
            List<byte[]> e = entries();
            byte[] a = e.get(swaps[0]);
            e.set(swaps[0], e.get(swaps[1]));
            e.set(swaps[1], a);
            return refused(rebuild(e), Kind.CONTAINER).getMessage();
        }

        /** The bundle with {@code extra} inserted after entry {@code after}. */
        private String refusedWith(int after, byte[] extra) {
            List<byte[]> e = entries();
            e.add(after + 1, extra);
            return refused(rebuild(e), Kind.CONTAINER).getMessage();
        }
    }

    @Nested
    class WhenTheArchiveEndIsWrong {

        @Test
        void acceptsZeroBlocksUpToSixteenKibibytesAfterTheLastEntry() throws IOException {
            // GNU tar pads archives to 10 KiB records; FORMAT.md §1.1 allows up to 16 KiB of zeros.
            SampleBundle.verify(withTrailer(new byte[16 * 1024]));
        }

        @Test
        void refusesMoreThanSixteenKibibytesOfZeros() {
            assertThat(refused(withTrailer(new byte[16 * 1024 + 512]), Kind.CONTAINER).getMessage())
                    .isEqualTo("more than 16384 bytes after the last entry");
        }

        @Test
        void refusesASingleEndOfArchiveBlock() {
            assertThat(refused(withTrailer(new byte[512]), Kind.CONTAINER).getMessage())
                    .isEqualTo("bundle is truncated: missing end-of-archive blocks");
        }

        @Test
        void refusesGarbageAfterTheEndOfArchiveBlocks() {
            byte[] garbage = new byte[1536];
            Arrays.fill(garbage, 1024, 1536, (byte) 'x');
            assertThat(refused(withTrailer(garbage), Kind.CONTAINER).getMessage())
                    .isEqualTo("trailing data after the last entry");
        }

        @Test
        void refusesAPartialBlockAfterTheEndOfArchiveBlocks() {
            assertThat(refused(TarBytes.concat(SampleBundle.bytes(), new byte[7]), Kind.CONTAINER).getMessage())
                    .isEqualTo("bundle ends with a partial block");
        }

        private byte[] withTrailer(byte[] trailer) {
            byte[] b = SampleBundle.bytes();
            return TarBytes.concat(TarBytes.slice(b, 0, SampleBundle.layout().endOfEntries()), trailer);
        }
    }

    @Nested
    class WhenAnEntryIsNotARegularFile {

        @ParameterizedTest(name = "type {0}")
        @ValueSource(chars = {'1', '2', '3', '4', '5', '6', '7', 'g', 'L', 'K', 'S', 'D', 'V', 'M', 'N', 'A'})
        void refusesEveryOtherTypeFlag(char type) {
            long at = SampleBundle.entry("images/rootfs.idx").headerOffset();
            byte[] b = withHeader(SampleBundle.bytes(), "images/rootfs.idx", h -> {
                h[156] = (byte) type;
                return h;
            });
            assertThat(refused(b, Kind.CONTAINER).getMessage())
                    .isEqualTo("entry at byte " + at + ": entry type '" + type
                            + "' is not allowed (regular files only)");
        }

        @Test
        void refusesADirectoryEntryBeforeTheImages() {
            byte[] dir = TarBytes.header("images/", 0, '5', MTIME);
            List<byte[]> e = entries();
            e.add(3, dir);
            assertThat(refused(rebuild(e), Kind.CONTAINER).getMessage()).endsWith(
                    "entry type '5' is not allowed (regular files only)");
        }

        @Test
        void refusesASymlinkInPlaceOfAnEntry() {
            byte[] link = TarBytes.header("images/rootfs.blk", 0, '2', MTIME);
            System.arraycopy("/etc/shadow".getBytes(StandardCharsets.US_ASCII), 0, link, 157, 11);
            link = TarBytes.checksummed(link);
            List<byte[]> e = entries();
            e.set(4, link);
            assertThat(refused(rebuild(e), Kind.CONTAINER).getMessage()).endsWith(
                    "entry type '2' is not allowed (regular files only)");
        }

        @Test
        void refusesAGnuLongNameEntry() {
            // GNU tar writes names over 100 bytes as a 'L' entry "././@LongLink" whose data is the name.
            byte[] name = "images/rootfs.idx\0".getBytes(StandardCharsets.US_ASCII);
            byte[] longLink = TarBytes.concat(TarBytes.header("././@LongLink", name.length, 'L', 0),
                    name, new byte[512 - name.length]);
            List<byte[]> e = entries();
            e.add(3, longLink);
            assertThat(refused(rebuild(e), Kind.CONTAINER).getMessage()).endsWith(
                    "entry type 'L' is not allowed (regular files only)");
        }

        @Test
        void refusesAGnuFormatHeader() {
            byte[] b = withHeader(SampleBundle.bytes(), "manifest.json", h -> {
                System.arraycopy("ustar  \0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
                return h;
            });
            assertThat(refused(b, Kind.CONTAINER).getMessage()).endsWith(": not a POSIX ustar header");
        }

        @Test
        void refusesALinkNameOnARegularFile() {
            byte[] b = withHeader(SampleBundle.bytes(), "manifest.json", h -> {
                h[157] = 'x';
                return h;
            });
            assertThat(refused(b, Kind.CONTAINER).getMessage()).endsWith(": link name or name prefix set");
        }

        @Test
        void refusesANamePrefix() {
            // ustar may split "images/rootfs.idx" into prefix "images" and name "rootfs.idx"; bundles never do.
            byte[] b = withHeader(SampleBundle.bytes(), "images/rootfs.idx", h -> {
                Arrays.fill(h, 0, 100, (byte) 0);
                System.arraycopy("rootfs.idx".getBytes(StandardCharsets.US_ASCII), 0, h, 0, 10);
                System.arraycopy("images".getBytes(StandardCharsets.US_ASCII), 0, h, 345, 6);
                return h;
            });
            assertThat(refused(b, Kind.CONTAINER).getMessage()).endsWith(": link name or name prefix set");
        }

        @Test
        void refusesABaseTwoFiftySixSize() {
            byte[] b = withHeader(SampleBundle.bytes(), "manifest.json", h -> {
                long size = SampleBundle.entry("manifest.json").size();
                Arrays.fill(h, 124, 136, (byte) 0);
                h[124] = (byte) 0x80;
                h[134] = (byte) (size >>> 8);
                h[135] = (byte) size;
                return h;
            });
            assertThat(refused(b, Kind.CONTAINER).getMessage()).endsWith(": base-256 sizes are not allowed");
        }
    }

    @Nested
    class WhenNamesDiffer {

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"./manifest.json", "/manifest.json", "images/../manifest.json", "Manifest.json",
            "manifest.json/", "manifest.json "})
        void refusesAnyOtherSpellingOfAName(String name) {
            byte[] b = withHeader(SampleBundle.bytes(), "manifest.json", h -> {
                Arrays.fill(h, 0, 100, (byte) 0);
                System.arraycopy(name.getBytes(StandardCharsets.US_ASCII), 0, h, 0, name.length());
                return h;
            });
            assertThat(refused(b, Kind.CONTAINER).getMessage())
                    .isEqualTo("expected entry manifest.json, found '" + name + "'");
        }

        @Test
        void showsNonPrintableNameBytesAsQuestionMarks() {
            byte[] b = withHeader(SampleBundle.bytes(), "manifest.json", h -> {
                h[3] = (byte) 0xe9;
                h[4] = '\n';
                return h;
            });
            assertThat(refused(b, Kind.CONTAINER).getMessage())
                    .isEqualTo("expected entry manifest.json, found 'man??est.json'");
        }

        @Test
        void refusesBytesAfterTheNameTerminator() {
            byte[] b = withHeader(SampleBundle.bytes(), "manifest.json", h -> {
                h[50] = 'x';
                return h;
            });
            assertThat(refused(b, Kind.CONTAINER).getMessage()).endsWith(": malformed entry name");
        }
    }

    @Nested
    class WhenAPaxHeaderPrecedesAnEntry {

        @Test
        void acceptsAPaxSizeRecordBeforeAnEntryOfUstarSizeZero() throws IOException {
            // The writer does this for entries of 8 GiB and more; the reader takes it for any entry.
            TarBytes.Entry dat = SampleBundle.entry("images/rootfs.dat");
            byte[] b = SampleBundle.bytes();
            List<byte[]> e = entries();
            e.set(5, TarBytes.concat(TarBytes.paxHeader("PaxHeaders/images/rootfs.dat", MTIME, "size=" + dat.size()),
                    TarBytes.header("images/rootfs.dat", 0, '0', MTIME),
                    TarBytes.slice(b, dat.dataOffset(), dat.end())));
            SampleBundle.verify(rebuild(e));
        }

        @Test
        void refusesAPaxHeaderWithAPath() {
            assertThat(refusedPax("path=images/rootfs.idx"))
                    .isEqualTo("pax header before images/rootfs.idx: pax header may hold only one size record");
        }

        @Test
        void refusesAPaxHeaderWithASizeAndAnotherRecord() {
            long size = SampleBundle.entry("images/rootfs.idx").size();
            assertThat(refusedPax("size=" + size, "mtime=1795651566.97"))
                    .isEqualTo("pax header before images/rootfs.idx: pax header may hold only one size record");
            assertThat(refusedPax("mtime=1795651566.97", "size=" + size))
                    .isEqualTo("pax header before images/rootfs.idx: pax header may hold only one size record");
        }

        @Test
        void refusesAPaxSizeBeforeAnEntryWithAUstarSize() {
            // The pax record must be the only size: a ustar size beside it would be a second opinion.
            long size = SampleBundle.entry("images/rootfs.idx").size();
            assertThat(refusedPax("size=" + size)).isEqualTo(
                    "images/rootfs.idx: a pax size must be followed by a plain entry of size 0");
        }

        @Test
        void refusesMalformedPaxSizes() {
            for (String bad : new String[] {"size=", "size=-1", "size=0x10", "size=99999999999999999999", "size= 1"}) {
                List<byte[]> e = entries();
                e.set(3, TarBytes.concat(TarBytes.paxHeader("PaxHeaders/x", MTIME, bad),
                        TarBytes.header("images/rootfs.idx", 0, '0', MTIME)));
                assertThat(refused(rebuild(e), Kind.CONTAINER).getMessage()).as(bad)
                        .startsWith("pax header before images/rootfs.idx: ");
            }
        }

        @Test
        void refusesAPaxHeaderOfNoBytesOrOfAWholeBlockBeforeReadingIt() {
            // One size record fits in 1 to 511 bytes; a pax header of another size is refused by its header alone.
            for (int size : new int[] {0, TarBytes.BLOCK}) {
                List<byte[]> e = entries();
                e.set(3, TarBytes.concat(TarBytes.header("PaxHeaders/x", size, 'x', MTIME), new byte[size],
                        e.get(3)));
                assertThat(refused(rebuild(e), Kind.CONTAINER).getMessage()).as("%d bytes", size)
                        .isEqualTo("pax header before images/rootfs.idx has a bad size");
            }
        }

        @Test
        void refusesTwoPaxHeadersInARow() {
            long size = SampleBundle.entry("images/rootfs.idx").size();
            byte[] pax = TarBytes.paxHeader("PaxHeaders/x", MTIME, "size=" + size);
            List<byte[]> e = entries();
            e.set(3, TarBytes.concat(pax, pax, TarBytes.header("images/rootfs.idx", 0, '0', MTIME)));
            assertThat(refused(rebuild(e), Kind.CONTAINER).getMessage())
                    .isEqualTo("images/rootfs.idx: a pax size must be followed by a plain entry of size 0");
        }

        private String refusedPax(String... records) {
            List<byte[]> e = entries();
            e.set(3, TarBytes.concat(TarBytes.paxHeader("PaxHeaders/images/rootfs.idx", MTIME, records), e.get(3)));
            return refused(rebuild(e), Kind.CONTAINER).getMessage();
        }
    }

    @Nested
    class WhenRepackedByGnuTar {

        @Test
        void acceptsTheEntriesRepackedInUstarFormat(@TempDir Path dir) throws IOException {
            // The reader is not tied to our writer's bytes: GNU tar's ustar headers (owner names, its own
            // modes and times, 10 KiB records) carry the same entries and are accepted.
            SampleBundle.verify(repack(dir, "ustar"));
        }

        @Test
        void refusesTheEntriesRepackedInGnuFormat(@TempDir Path dir) throws IOException {
            assertThat(refused(repack(dir, "gnu"), Kind.CONTAINER).getMessage())
                    .isEqualTo("entry at byte 0: not a POSIX ustar header");
        }

        @Test
        void refusesTheEntriesRepackedInPosixFormatWithTimePaxRecords(@TempDir Path dir) throws IOException {
            // GNU tar's pax format adds mtime, atime and ctime records for every file.
            assertThat(refused(repack(dir, "posix"), Kind.CONTAINER).getMessage())
                    .isEqualTo("pax header before tandem-bundle: pax header may hold only one size record");
        }

        private byte[] repack(Path dir, String format) throws IOException {
            ExternalTool.assumeGnuTar();
            Path bundle = Files.write(dir.resolve("in.tandem"), SampleBundle.bytes());
            Path x = Files.createDirectories(dir.resolve("x"));
            ExternalTool.ok(x, "tar", "-xf", bundle.toString());
            List<String> cmd = new ArrayList<>(List.of("tar", "--format=" + format, "-cf", "../out.tar"));
            cmd.addAll(List.of(SampleBundle.NAMES));
            ExternalTool.ok(x, cmd.toArray(String[]::new));
            return Files.readAllBytes(dir.resolve("out.tar"));
        }
    }

    /** The sample's entries, whole (header, data, padding), in order; a mutable list. */
    static List<byte[]> entries() {
        byte[] b = SampleBundle.bytes();
        List<byte[]> out = new ArrayList<>();
        for (TarBytes.Entry e : TarBytes.layout(b).entries()) {
            out.add(TarBytes.whole(b, e));
        }
        return out;
    }

    /** Entries followed by the two end-of-archive blocks. */
    static byte[] rebuild(List<byte[]> entries) {
        List<byte[]> parts = new ArrayList<>(entries);
        parts.add(new byte[2 * TarBytes.BLOCK]);
        return TarBytes.concat(parts.toArray(byte[][]::new));
    }

    /** The bundle with one header edited and its checksum recomputed, so that only the edit is wrong. */
    static byte[] withHeader(byte[] bundle, String name, UnaryOperator<byte[]> edit) {
        int at = (int) TarBytes.layout(bundle).entry(name).headerOffset();
        byte[] header = edit.apply(Arrays.copyOfRange(bundle, at, at + TarBytes.BLOCK));
        byte[] b = bundle.clone();
        System.arraycopy(TarBytes.checksummed(header), 0, b, at, TarBytes.BLOCK);
        return b;
    }
}
