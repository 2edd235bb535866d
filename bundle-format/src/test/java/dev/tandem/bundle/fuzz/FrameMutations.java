package dev.tandem.bundle.fuzz;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutations of zstd frames: the stored chunks (bombs, wrong declared sizes, skippable frames, several frames,
 * dictionaries, truncation, and valid re-encodings) and the chunk-table entry (bombs, trailing data, windows
 * larger than the reader's limit).
 */
final class FrameMutations {

    private static final byte[] SKIPPABLE_MAGIC = {0x50, 0x2A, 0x4D, 0x18};
    /** 64 MiB of zeros in one frame without a declared size (about 2 KiB): made once. */
    private static byte[] bomb;

    private FrameMutations() {
    }

    /**
     * Replaces one zstd chunk's frame; the table gets the new length and shifted offsets, the manifest the new
     * table hash and a new signature, so the frame itself is what the reader judges.
     */
    static Mutant chunkFrame(SeedBundle seed, Random r) {
        int k = -1;
        List<Integer> zstd = List.of();
        for (int tries = 0; tries < 10 && zstd.isEmpty(); tries++) {
            k = r.nextInt(seed.images.size());
            zstd = seed.images.get(k).table().ofKind(2);
        }
        if (zstd.isEmpty()) {
            return IndexMutations.record(seed, r);
        }
        SeedBundle.Image image = seed.images.get(k);
        int i = zstd.get(r.nextInt(zstd.size()));
        ChunkTable t = image.table().copy();
        ChunkTable.Record rec = t.records.get(i);
        int length = IndexMutations.chunkLength(image, i);
        byte[] content = Arrays.copyOfRange(image.content(), i * SeedBundle.CHUNK_SIZE, i * SeedBundle.CHUNK_SIZE
                + length);
        BundleEdit e = new BundleEdit(seed);
        byte[] dat = e.entries.get(BundleEdit.dat(k)).data();
        byte[] frame = Arrays.copyOfRange(dat, (int) rec.offset, (int) (rec.offset + rec.length));
        int variant = r.nextInt(11);
        Mutant.Expect expect = Mutant.Expect.REFUSE;
        String what;
        byte[] replacement;
        switch (variant) {
            case 0 -> {
                replacement = bomb();
                what = "bomb: 64 MiB of zeros, no declared size";
            }
            case 1 -> {
                byte[] more = Arrays.copyOf(content, length + 1 + r.nextInt(1 << 20));
                replacement = patchContentSize(Zstd.compress(more, 3), length);
                what = "bomb: declares the chunk length, holds more";
            }
            case 2 -> {
                long declared = r.nextBoolean() ? length + 1 : length - 1;
                replacement = patchContentSize(frame, declared);
                what = "declares " + declared + " bytes, the chunk has " + length;
            }
            case 3 -> {
                replacement = patchContentSize(frame, r.nextBoolean() ? 1L << 40 : Long.MAX_VALUE);
                what = "declares a huge content size";
            }
            case 4 -> {
                byte[] skip = new byte[8 + r.nextInt(64)];
                System.arraycopy(SKIPPABLE_MAGIC, 0, skip, 0, 4);
                int n = skip.length - 8;
                skip[4] = (byte) n;
                replacement = concat(r.nextBoolean() ? skip : frame, r.nextBoolean() ? frame : skip);
                what = "a skippable frame beside the frame";
            }
            case 5 -> {
                replacement = concat(frame, Zstd.compress(new byte[1 + r.nextInt(100)], 1));
                what = "two frames";
            }
            case 6 -> {
                replacement = withDictionaryId(frame, 1 + r.nextInt(255));
                what = "frame needs dictionary";
            }
            case 7 -> {
                replacement = Arrays.copyOf(frame, Math.max(1, frame.length - 1 - r.nextInt(Math.min(40, frame.length))));
                what = "frame cut short";
            }
            case 8 -> {
                byte[] other = content.clone();
                other[r.nextInt(other.length)] ^= 1;
                replacement = Zstd.compress(other, 3);
                what = "a valid frame of other bytes";
            }
            case 9 -> {
                boolean declared = r.nextBoolean();
                replacement = streaming(content, 1 + r.nextInt(19), declared ? length : -1);
                // Valid only with the content size in the header (FORMAT.md §5).
                expect = declared ? Mutant.Expect.EITHER : Mutant.Expect.REFUSE;
                what = "the same bytes re-encoded" + (declared ? "" : " without a declared size");
            }
            default -> {
                replacement = content;
                rec.kind = 1;
                expect = Mutant.Expect.EITHER;
                what = "stored raw instead";
            }
        }
        if (replacement == null) {
            replacement = Zstd.compress(new byte[length + 7], 3);
            what += " (not expressible; a frame of zeros instead)";
            expect = Mutant.Expect.REFUSE;
        }
        if (expect == Mutant.Expect.EITHER && rec.kind == 2 && replacement.length >= length) {
            // Not smaller than the chunk: kind 2 must be refused (the format wants it stored raw).
            expect = Mutant.Expect.REFUSE;
        }
        long delta = replacement.length - rec.length;
        byte[] newDat = new byte[(int) (dat.length + delta)];
        System.arraycopy(dat, 0, newDat, 0, (int) rec.offset);
        System.arraycopy(replacement, 0, newDat, (int) rec.offset, replacement.length);
        System.arraycopy(dat, (int) (rec.offset + rec.length), newDat, (int) (rec.offset + replacement.length),
                (int) (dat.length - rec.offset - rec.length));
        for (ChunkTable.Record other : t.records) {
            if ((other.kind == 1 || other.kind == 2) && other.offset > rec.offset) {
                other.offset += delta;
            }
        }
        rec.length = replacement.length;
        e.setData(BundleEdit.dat(k), newDat);
        e.setTable(k, t, false, false);
        return e.mutant("zstd-chunk", what + " (chunk " + i + " of image " + k + ")", expect);
    }

    /** Replaces the chunk-table entry of an image with another zstd shape of the same (or a longer) table. */
    static Mutant tableFrame(SeedBundle seed, Random r) {
        int k = r.nextInt(seed.images.size());
        byte[] table = seed.images.get(k).table().toBytes();
        BundleEdit e = new BundleEdit(seed);
        byte[] idx = e.entries.get(BundleEdit.idx(k)).data();
        int variant = r.nextInt(9);
        Mutant.Expect expect = Mutant.Expect.REFUSE;
        String what;
        byte[] out;
        switch (variant) {
            case 0 -> {
                byte[] more = Arrays.copyOf(table, table.length + ((1 + r.nextInt(8)) << 20));
                out = r.nextBoolean() ? Zstd.compress(more, 3) : streaming(more, 3, -1);
                what = "bomb: the table followed by MiBs of zeros";
            }
            case 1 -> {
                byte[] tail = new byte[1 + r.nextInt(20)];
                r.nextBytes(tail);
                out = concat(idx, tail);
                what = "bytes after the frame";
            }
            case 2 -> {
                int cut = 1 + r.nextInt(table.length - 1);
                out = concat(Zstd.compress(Arrays.copyOf(table, cut), 3),
                        Zstd.compress(Arrays.copyOfRange(table, cut, table.length), 3));
                what = "the table in two frames";
            }
            case 3 -> {
                byte[] skip = {0x50, 0x2A, 0x4D, 0x18, 0, 0, 0, 0};
                out = concat(skip, idx);
                what = "a skippable frame first";
            }
            case 4 -> {
                out = streaming(table, 3, -1, 24 + r.nextInt(4));
                what = "a window larger than 8 MiB";
            }
            case 5 -> {
                out = Arrays.copyOf(idx, r.nextInt(idx.length));
                what = "frame cut short";
            }
            case 6 -> {
                byte[] garbage = new byte[4096 + r.nextInt(10_000)];
                r.nextBytes(garbage);
                out = concat(idx, garbage);
                what = "longer than any compression of the table";
            }
            case 7 -> {
                out = streaming(table, 1 + r.nextInt(19), r.nextBoolean() ? table.length : -1);
                expect = Mutant.Expect.EITHER;
                what = "the same table re-encoded";
            }
            default -> {
                out = Zstd.compress(table, r.nextInt(3) + 1);
                expect = Mutant.Expect.EITHER;
                what = "the same table, another level";
            }
        }
        e.setData(BundleEdit.idx(k), out);
        return e.mutant("zstd-table", what + " (image " + k + ")", expect);
    }

    static synchronized byte[] bomb() {
        if (bomb == null) {
            bomb = streaming(new byte[64 << 20], 3, -1);
        }
        return bomb;
    }

    /** A frame made by the streaming compressor; {@code contentSize} < 0 leaves the size out of the header. */
    static byte[] streaming(byte[] data, int level, long contentSize) {
        return streaming(data, level, contentSize, 0);
    }

    static byte[] streaming(byte[] data, int level, long contentSize, int windowLog) {
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            ctx.setLevel(level);
            ctx.setChecksum(level % 2 == 0);
            ctx.setContentSize(contentSize >= 0);
            if (windowLog > 0) {
                ctx.setWindowLog(windowLog);
            }
            if (contentSize < 0) {
                // Without a pledged size the compressor cannot shrink the window to the data.
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (com.github.luben.zstd.ZstdOutputStream z = new com.github.luben.zstd.ZstdOutputStream(out, level)) {
                    z.setChecksum(level % 2 == 0);
                    if (windowLog > 0) {
                        z.setWindowLog(windowLog);
                    }
                    z.write(data);
                } catch (java.io.IOException ex) {
                    throw new IllegalStateException(ex);
                }
                return out.toByteArray();
            }
            return ctx.compress(data);
        }
    }

    /** The frame with another Frame_Content_Size, or null when its header has no room for that value. */
    static byte[] patchContentSize(byte[] frame, long size) {
        int fhd = frame[4] & 0xff;
        int fcsFlag = fhd >>> 6;
        boolean single = (fhd & 0x20) != 0;
        int didSize = new int[] {0, 1, 2, 4}[fhd & 3];
        int fcsSize = fcsFlag == 0 ? (single ? 1 : 0) : 1 << fcsFlag;
        int at = 5 + (single ? 0 : 1) + didSize;
        byte[] out = frame.clone();
        long v = size;
        switch (fcsSize) {
            case 1 -> {
                if (v < 0 || v > 255) {
                    return null;
                }
            }
            case 2 -> {
                v -= 256;
                if (v < 0 || v > 65535) {
                    return null;
                }
            }
            case 4 -> {
                if (v < 0 || v > 0xFFFF_FFFFL) {
                    return null;
                }
            }
            case 8 -> { }
            default -> {
                return null;
            }
        }
        for (int b = 0; b < fcsSize; b++) {
            out[at + b] = (byte) (v >>> (8 * b));
        }
        return out;
    }

    /** The frame with a 1-byte Dictionary_ID inserted (and its flag set). */
    static byte[] withDictionaryId(byte[] frame, int id) {
        int fhd = frame[4] & 0xff;
        if ((fhd & 3) != 0) {
            return frame;
        }
        boolean single = (fhd & 0x20) != 0;
        int at = 5 + (single ? 0 : 1);
        byte[] out = new byte[frame.length + 1];
        System.arraycopy(frame, 0, out, 0, at);
        out[4] = (byte) (fhd | 1);
        out[at] = (byte) id;
        System.arraycopy(frame, at, out, at + 1, frame.length - at);
        return out;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
