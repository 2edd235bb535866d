package dev.tandem.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tandem.testsupport.ExternalTool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FORMAT.md §1.1: the tar subset bundles use, as written, as parsed and as GNU tar sees it. */
class TarFormatTest {

    private static final long MTIME = TestBundles.CREATED.getEpochSecond();
    private static final long EIGHT_GIB = 8L << 30;

    @Test
    void writesOneUstarBlockUpToTheLargestOctalSize() {
        byte[] h = TarFormat.headerFor("images/rootfs.dat", TarFormat.MAX_USTAR_SIZE, MTIME);
        assertThat(h).hasSize(512);
        TarFormat.Header parsed = TarFormat.parse(h, "test");
        assertThat(parsed).isEqualTo(new TarFormat.Header("images/rootfs.dat", EIGHT_GIB - 1, false));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(longs = {EIGHT_GIB, EIGHT_GIB + 1, 9L << 30, 1L << 40, Long.MAX_VALUE})
    void roundTripsAPaxSizeForEntriesOfEightGibibytesAndMore(long size) {
        byte[] h = TarFormat.headerFor("images/rootfs.dat", size, MTIME);
        assertThat(h).hasSize(3 * 512);
        TarFormat.Header pax = TarFormat.parse(Arrays.copyOfRange(h, 0, 512), "test");
        assertThat(pax.pax()).isTrue();
        assertThat(pax.name()).isEqualTo("PaxHeaders/images/rootfs.dat");
        byte[] records = Arrays.copyOfRange(h, 512, 512 + (int) pax.size());
        assertThat(new String(records, StandardCharsets.US_ASCII)).endsWith(" size=" + size + "\n");
        assertThat(TarFormat.parsePaxSize(records, "test")).isEqualTo(size);
        assertThat(TarFormat.allZero(h, 512 + (int) pax.size(), 1024)).isTrue();
        assertThat(TarFormat.parse(Arrays.copyOfRange(h, 1024, 1536), "test"))
                .isEqualTo(new TarFormat.Header("images/rootfs.dat", 0, false));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"13 size=100\n", "10 size=10\n", "13 size=100", "13 path=1000\n", "x size=1\n",
        "13 size=+100\n", "12 size=1 0\n", " 12 size=10\n", "12 SIZE=10\n"})
    void refusesMalformedPaxRecords(String record) {
        VerificationException e = catchThrowableOfType(VerificationException.class, () -> TarFormat.parsePaxSize(
                record.getBytes(StandardCharsets.US_ASCII), "pax header before x"));
        assertThat(e).as(record).isNotNull();
        assertThat(e.kind()).isEqualTo(VerificationException.Kind.CONTAINER);
        assertThat(e.getMessage()).startsWith("pax header before x: ");
    }

    @Test
    void readsAPaxRecordWhoseLengthHasOneDigit() {
        assertThat(TarFormat.parsePaxSize("9 size=1\n".getBytes(StandardCharsets.US_ASCII), "test")).isEqualTo(1);
    }

    @Test
    void namesARefusedTypeFlagAsItselfOnlyWhenItIsPrintable() {
        // Printable ASCII is 0x20 to 0x7e; anything else is escaped, so a message never carries a control byte.
        assertThat(refusedType((byte) 0x20)).isEqualTo("test: entry type ' ' is not allowed (regular files only)");
        assertThat(refusedType((byte) 0x7e)).isEqualTo("test: entry type '~' is not allowed (regular files only)");
        assertThat(refusedType((byte) 0x1f)).isEqualTo("test: entry type '\\x1f' is not allowed (regular files only)");
        assertThat(refusedType((byte) 0x7f)).isEqualTo("test: entry type '\\x7f' is not allowed (regular files only)");
    }

    private static String refusedType(byte type) {
        VerificationException e = catchThrowableOfType(VerificationException.class,
                () -> TarFormat.parse(TarBytes.header("images/rootfs.dat", 0, (char) type, MTIME), "test"));
        assertThat(e).as("type %02x refused", type).isNotNull();
        return e.getMessage();
    }

    @Test
    void readsANameThatFillsAllHundredBytesOfItsField() {
        // No NUL ends such a name: the field's end does, not the mode field's digits that follow it.
        String name = "images/" + "n".repeat(93);
        assertThat(name).hasSize(100);
        TarFormat.Header h = TarFormat.parse(TarBytes.header(name, 5, '0', MTIME), "test");
        assertThat(h.name()).isEqualTo(name);
        assertThat(h.size()).isEqualTo(5);
    }

    @Test
    void writesNoOwnerNamesWhoeverRunsTheWriter() {
        // Some Commons Compress constructors fill in the user running the writer (user.name): a bundle must not
        // carry it, whoever builds it and whichever constructor TarFormat uses.
        byte[] h = TarFormat.headerFor("images/rootfs.dat", 1, MTIME);
        assertThat(TarBytes.allZero(h, 265, 329)).as("user and group names").isTrue();
        assertThat(TarBytes.octal(h, 108, 8)).as("uid").isZero();
        assertThat(TarBytes.octal(h, 116, 8)).as("gid").isZero();
    }

    @Test
    void writesHeadersAsFormatMdSays() {
        // FORMAT.md §1.1: mode 0644, uid and gid 0, empty user and group names, mtime = created.
        byte[] bundle = SampleBundle.bytes();
        for (TarBytes.Entry e : SampleBundle.layout().entries()) {
            byte[] h = Arrays.copyOfRange(bundle, (int) e.headerOffset(), (int) e.headerOffset() + 512);
            assertThat(TarBytes.octal(h, 100, 8)).as("%s mode", e.name()).isEqualTo(0644);
            assertThat(TarBytes.octal(h, 108, 8)).as("%s uid", e.name()).isZero();
            assertThat(TarBytes.octal(h, 116, 8)).as("%s gid", e.name()).isZero();
            assertThat(TarBytes.octal(h, 136, 12)).as("%s mtime", e.name()).isEqualTo(MTIME);
            assertThat(TarBytes.allZero(h, 265, 329)).as("%s user and group names", e.name()).isTrue();
            assertThat(h[156]).as("%s type", e.name()).isEqualTo((byte) '0');
            assertThat(new String(h, 257, 8, StandardCharsets.US_ASCII)).isEqualTo("ustar\0" + "00");
            assertThat(TarBytes.allZero(h, 345, 512)).as("%s prefix", e.name()).isTrue();
            assertThat(e.paxOffset()).isEqualTo(-1);
        }
        assertThat(SampleBundle.layout().entries()).extracting(TarBytes.Entry::name)
                .containsExactly(SampleBundle.NAMES);
    }

    @Test
    void writesPaxHeadersWithTheSameModeOwnerAndTime() {
        byte[] pax = Arrays.copyOf(TarFormat.headerFor("images/rootfs.dat", 9L << 30, MTIME), 512);
        assertThat(TarBytes.octal(pax, 100, 8)).isEqualTo(0644);
        assertThat(TarBytes.octal(pax, 108, 8)).isZero();
        assertThat(TarBytes.octal(pax, 136, 12)).isEqualTo(MTIME);
        assertThat(pax[156]).isEqualTo((byte) 'x');
    }

    @Test
    void gnuTarListsABundleWithItsNamesSizesModesOwnersAndTimes(@TempDir Path dir) throws IOException {
        ExternalTool.assumeGnuTar();
        Path bundle = Files.write(dir.resolve("b.tandem"), SampleBundle.bytes());
        String listing = ExternalTool.ok(dir, "env", "TZ=UTC", "tar", "--numeric-owner", "--full-time", "-tvf",
                bundle.toString());
        String time = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC)
                .format(TestBundles.CREATED);
        List<String> lines = listing.lines().toList();
        List<TarBytes.Entry> entries = SampleBundle.layout().entries();
        assertThat(lines).hasSameSizeAs(entries);
        for (int k = 0; k < entries.size(); k++) {
            TarBytes.Entry e = entries.get(k);
            assertThat(lines.get(k).split(" +")).containsExactly("-rw-r--r--", "0/0", Long.toString(e.size()),
                    time.substring(0, 10), time.substring(11), e.name());
        }
    }

    @Test
    void gnuTarListsTheSizeOfAnEntryOverEightGibibytesFromItsPaxHeader(@TempDir Path dir) throws IOException {
        ExternalTool.assumeGnuTar();
        long size = (9L << 30) + 12345;
        Path tar = dir.resolve("big.tar");
        byte[] headers = TarFormat.headerFor("images/rootfs.dat", size, MTIME);
        try (RandomAccessFile f = new RandomAccessFile(tar.toFile(), "rw")) {
            // Sparse: the 9 GiB of data take no disk space, and GNU tar seeks over them.
            f.write(headers);
            f.setLength(headers.length + TarBytes.padded(size) + 1024);
        }
        String listing = ExternalTool.ok(dir, "tar", "--numeric-owner", "-tvf", tar.toString());
        assertThat(listing.strip().split(" +")).contains(Long.toString(size), "images/rootfs.dat", "0/0", "-rw-r--r--");
    }
}
