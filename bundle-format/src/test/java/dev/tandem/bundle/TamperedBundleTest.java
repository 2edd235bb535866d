package dev.tandem.bundle;

import dev.tandem.bundle.fuzz.ByteArraySource;
import static dev.tandem.bundle.SampleBundle.entry;
import static dev.tandem.bundle.SampleBundle.flip;
import static dev.tandem.bundle.SampleBundle.refused;
import static dev.tandem.bundle.SampleBundle.refusedSignature;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import dev.tandem.bundle.VerificationException.Kind;
import dev.tandem.pki.SignatureException;
import dev.tandem.pki.SignatureException.Reason;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One changed byte anywhere, or a bundle cut short anywhere, is refused with the exception that names the
 * broken part (FORMAT.md §1-5), in one line. The only bytes that may change are the unsigned block hints
 * (§4), by design.
 */
class TamperedBundleTest {

    /** Header fields by offset (POSIX ustar). */
    static final Map<String, Integer> HEADER_FIELDS = Map.ofEntries(Map.entry("name", 0), Map.entry("mode", 100),
            Map.entry("uid", 108), Map.entry("gid", 116), Map.entry("size", 124), Map.entry("mtime", 136),
            Map.entry("chksum", 148), Map.entry("chksum-terminator", 154), Map.entry("typeflag", 156),
            Map.entry("linkname", 157), Map.entry("magic", 257), Map.entry("version", 263),
            Map.entry("uname", 265), Map.entry("gname", 297), Map.entry("devmajor", 329),
            Map.entry("devminor", 337), Map.entry("prefix", 345), Map.entry("pad", 500));

    @Nested
    class WhenAHeaderByteIsFlipped {

        @Test
        void refusesEveryFlippedByteOfTheFirstHeader() {
            for (int at = 0; at < TarBytes.BLOCK; at++) {
                for (int mask : new int[] {0x01, 0x80}) {
                    VerificationException e = refused(flip(SampleBundle.bytes(), at, mask), Kind.CONTAINER);
                    assertThat(e.getMessage()).as("byte %d mask %x", at, mask)
                            .startsWith("entry at byte 0: tar header checksum");
                }
            }
        }

        static Stream<Arguments> entriesAndFields() {
            List<Arguments> args = new ArrayList<>();
            for (String name : SampleBundle.NAMES) {
                HEADER_FIELDS.forEach((field, offset) -> args.add(Arguments.of(name, field, offset)));
            }
            return args.stream();
        }

        @ParameterizedTest(name = "{0} {1}")
        @MethodSource("entriesAndFields")
        void refusesAFlippedHeaderFieldOfEveryEntry(String name, String field, int offset) {
            long header = entry(name).headerOffset();
            VerificationException e = refused(flip(header + offset), Kind.CONTAINER);
            assertThat(e.getMessage()).startsWith("entry at byte " + header + ": tar header checksum ");
        }
    }

    @Nested
    class WhenEntryDataIsFlipped {

        @Test
        void refusesAChangedMarker() {
            TarBytes.Entry marker = entry("tandem-bundle");
            for (long at = marker.dataOffset(); at < marker.dataOffset() + marker.size(); at++) {
                VerificationException e = refused(flip(at), Kind.CONTAINER);
                assertThat(e.getMessage()).startsWith("not a tandem bundle version 1");
            }
        }

        @Test
        void refusesEveryChangedManifestByteAsSignatureMismatch() {
            TarBytes.Entry manifest = entry("manifest.json");
            for (long at = manifest.dataOffset(); at < manifest.dataOffset() + manifest.size(); at++) {
                SignatureException e = refusedSignature(flip(at));
                assertThat(e.reason()).as("byte %d", at).isEqualTo(Reason.SIGNATURE_MISMATCH);
            }
        }

        @Test
        void refusesEveryChangedSignatureByteThatMatters() {
            TarBytes.Entry p7s = entry("manifest.json.p7s");
            Set<Long> unsignedDetails = unsignedEncodingDetails(TarBytes.data(SampleBundle.bytes(), p7s));
            Map<Reason, Integer> reasons = new EnumMap<>(Reason.class);
            for (long at = p7s.dataOffset(); at < p7s.dataOffset() + p7s.size(); at++) {
                Throwable t = SampleBundle.verifyError(flip(at));
                if (t == null) {
                    assertThat(unsignedDetails).as("accepted a flip at signature byte %d", at - p7s.dataOffset())
                            .contains(at - p7s.dataOffset());
                    continue;
                }
                assertThat(t).isInstanceOf(SignatureException.class);
                SampleBundle.assertOneLine(t);
                reasons.merge(((SignatureException) t).reason(), 1, Integer::sum);
            }
            // Which reason depends on where the byte is (DER structure, certificate, signed attributes,
            // signature value); that every one is refused as a signature problem is the point.
            assertThat(reasons.keySet()).contains(Reason.MALFORMED, Reason.SIGNATURE_MISMATCH);
            assertThat(refusedSignature(flip(p7s.dataOffset())).reason()).isEqualTo(Reason.MALFORMED);
            assertThat(refusedSignature(flip(p7s.dataOffset() + p7s.size() - 1)).reason())
                    .isEqualTo(Reason.SIGNATURE_MISMATCH);
        }

        /**
         * Bytes of a CMS signature that no signature covers and that the pki module's parser tolerates when
         * changed: the SignedData version, the unused-bits byte of an embedded certificate's signature, and
         * the string types in the SignerInfo's issuer name (names compare by value). Changing them changes
         * neither the signed manifest nor the signer, so accepting them is no hole; they are listed so that
         * nothing else is ever accepted.
         */
        private static Set<Long> unsignedEncodingDetails(byte[] p7s) {
            Set<Long> spots = new HashSet<>();
            Der.Node signedData = Der.parse(p7s).child(1).child(0);
            spots.add((long) signedData.child(0).contentOffset());
            for (Der.Node n : signedData.children()) {
                if (n.tag() == 0xa0) {
                    n.children().forEach(cert -> spots.add((long) cert.last().contentOffset()));
                }
            }
            for (Der.Node signerInfo : signedData.last().children()) {
                for (Der.Node n : signerInfo.child(1).child(0).all()) {
                    if (n.children().isEmpty() && n.tag() != 0x06) {
                        spots.add((long) n.tagOffset());
                    }
                }
            }
            return spots;
        }

        @Test
        void refusesEveryChangedChunkTableByteThatChangesTheTable() {
            for (String name : List.of("images/rootfs.idx", "images/boot.idx")) {
                TarBytes.Entry idx = entry(name);
                byte[] frame = TarBytes.data(SampleBundle.bytes(), idx);
                byte[] table = Zstd.decompress(frame, (int) Zstd.getFrameContentSize(frame) > 0
                        ? (int) Zstd.getFrameContentSize(frame) : 1 << 20);
                for (long at = idx.dataOffset(); at < idx.dataOffset() + idx.size(); at++) {
                    byte[] bundle = flip(at);
                    Throwable t = SampleBundle.verifyError(bundle);
                    if (t == null) {
                        // The signature covers the uncompressed table (index-sha256), not its encoding: a
                        // change that decodes to the same table (the frame's window size, say) is harmless.
                        byte[] changed = TarBytes.data(bundle, idx);
                        assertThat(Zstd.decompress(changed, table.length)).as("byte %d", at).isEqualTo(table);
                        continue;
                    }
                    assertThat(t).isInstanceOf(VerificationException.class);
                    assertThat(((VerificationException) t).kind()).as("byte %d: %s", at, t.getMessage())
                            .isEqualTo(Kind.INDEX);
                    assertThat(t.getMessage()).startsWith("image " + name.substring(7, name.length() - 4)
                            + ": chunk table ");
                    SampleBundle.assertOneLine(t);
                }
            }
        }

        @Test
        void acceptsChangedBlockHintsBecauseTheyAreUnsignedByDesign() throws IOException {
            // FORMAT.md §4: a wrong hint costs a download, never safety; chunks are still checked.
            byte[] bundle = SampleBundle.bytes();
            for (String name : List.of("images/rootfs.blk", "images/boot.blk")) {
                TarBytes.Entry blk = entry(name);
                for (long at = blk.dataOffset(); at < blk.dataOffset() + blk.size(); at++) {
                    bundle[(int) at] ^= (byte) 0xff;
                }
            }
            SampleBundle.verify(bundle);
            assertThat(TestBundles.decodeImages(new ByteArraySource(bundle, Integer.MAX_VALUE), TestBundles.verifier()))
                    .hasEntrySatisfying("rootfs", b -> assertThat(b).isEqualTo(SampleBundle.ROOTFS))
                    .hasEntrySatisfying("boot", b -> assertThat(b).isEqualTo(SampleBundle.BOOT));
        }

        @Test
        void refusesAChangedStoredChunkNamingTheChunk() throws IOException {
            ChunkIndex[] indexes = indexes();
            String[] dats = {"images/rootfs.dat", "images/boot.dat"};
            for (int k = 0; k < dats.length; k++) {
                TarBytes.Entry dat = entry(dats[k]);
                ChunkIndex index = indexes[k];
                TreeSet<Long> offsets = new TreeSet<>();
                for (long i = 0; i < index.count(); i++) {
                    if (index.kind(i) != ChunkKind.ZERO) {
                        long start = index.storedOffset(i);
                        long end = start + index.storedLength(i);
                        for (long at = start; at < end; at += 37) {
                            offsets.add(at);
                        }
                        offsets.add(end - 1);
                    }
                }
                for (long at : offsets) {
                    VerificationException e = refused(flip(dat.dataOffset() + at), Kind.CHUNK);
                    long chunk = chunkStoredAt(index, at);
                    assertThat(e.chunkIndex()).as("%s byte %d", dats[k], at).isEqualTo(chunk);
                    assertThat(e.getMessage()).startsWith("image " + index.image().name() + ": chunk " + chunk + ": ");
                }
            }
        }

        @Test
        void reportsExpectedAndActualHashOfAChangedRawChunk() throws IOException {
            ChunkIndex rootfs = indexes()[0];
            assertThat(rootfs.kind(0)).isEqualTo(ChunkKind.RAW);
            VerificationException e = refused(flip(entry("images/rootfs.dat").dataOffset() + 100), Kind.CHUNK);
            assertThat(e.expected()).isEqualTo(rootfs.hashHex(0));
            assertThat(e.actual()).hasSize(64).isNotEqualTo(e.expected());
            assertThat(e.getMessage()).contains("sha256 mismatch");
        }

        @Test
        void refusesNonZeroPaddingAfterEveryEntry() {
            int padded = 0;
            for (TarBytes.Entry e : SampleBundle.layout().entries()) {
                long dataEnd = e.dataOffset() + e.size();
                if (e.end() == dataEnd) {
                    continue;
                }
                padded++;
                for (long at : new long[] {dataEnd, e.end() - 1}) {
                    VerificationException ex = refused(flip(at), Kind.CONTAINER);
                    assertThat(ex.getMessage()).isEqualTo(e.name() + ": non-zero bytes in the padding after its data");
                }
            }
            assertThat(padded).isGreaterThanOrEqualTo(7);
        }

        @Test
        void refusesNonZeroBytesInTheEndOfArchiveBlocks() {
            byte[] bundle = SampleBundle.bytes();
            for (long at = SampleBundle.layout().endOfEntries(); at < bundle.length; at += 101) {
                VerificationException e = refused(flip(at), Kind.CONTAINER);
                assertThat(e.getMessage()).isEqualTo("trailing data after the last entry");
            }
        }
    }

    @Nested
    class WhenTruncated {

        @Test
        void refusesTheBundleCutAtEveryEntryBoundaryAndInsideEveryEntry() {
            byte[] bundle = SampleBundle.bytes();
            TreeSet<Long> cuts = new TreeSet<>();
            for (TarBytes.Entry e : SampleBundle.layout().entries()) {
                cuts.add(e.headerOffset());
                cuts.add(e.headerOffset() + 100);
                cuts.add(e.dataOffset());
                cuts.add(e.dataOffset() + e.size() / 2);
                cuts.add(e.dataOffset() + e.size());
                cuts.add(e.end() - 1);
                cuts.add(e.end());
            }
            for (long at = 0; at < bundle.length; at += TarBytes.BLOCK) {
                cuts.add(at);
            }
            cuts.add(bundle.length - 1L);
            cuts.removeIf(at -> at >= bundle.length);
            for (long cut : cuts) {
                VerificationException e = refused(TarBytes.slice(bundle, 0, cut), Kind.CONTAINER);
                assertThat(e.getMessage()).as("cut at %d", cut).containsAnyOf("truncated", "partial block");
            }
        }

        @Test
        void namesTheEntryThatIsCutShort() {
            byte[] bundle = SampleBundle.bytes();
            for (String name : SampleBundle.NAMES) {
                TarBytes.Entry e = entry(name);
                if (e.size() < 2) {
                    continue;
                }
                VerificationException ex = refused(TarBytes.slice(bundle, 0, e.dataOffset() + e.size() / 2),
                        Kind.CONTAINER);
                assertThat(ex.getMessage()).as(name).isEqualTo("bundle is truncated inside " + name);
            }
        }
    }

    /** The verified chunk tables of the sample's two images. */
    private static ChunkIndex[] indexes() throws IOException {
        BundleReader reader = BundleReader.open(new ByteArraySource(SampleBundle.bytes(), Integer.MAX_VALUE), TestBundles.verifier(), null);
        ChunkIndex rootfs = reader.nextImage().index();
        ChunkIndex boot = reader.nextImage().index();
        return new ChunkIndex[] {rootfs, boot};
    }

    private static long chunkStoredAt(ChunkIndex index, long datOffset) {
        for (long i = 0; i < index.count(); i++) {
            if (index.kind(i) != ChunkKind.ZERO && datOffset >= index.storedOffset(i)
                    && datOffset < index.storedOffset(i) + index.storedLength(i)) {
                return i;
            }
        }
        throw new AssertionError("no chunk stored at " + datOffset);
    }
}
