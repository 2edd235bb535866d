package dev.tandem.bundle.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The tar layer of a bundle as the fuzzer sees it: entries with their raw header blocks, so that mutations
 * can change any header field and still put a well-formed (or deliberately broken) archive back together.
 * Independent of the reader's own tar code, so the two do not share mistakes.
 */
public final class Tar {

    public static final int BLOCK = 512;

    /**
     * One entry: its header block, an optional pax extended header (block and padded data) before it, and its
     * data. The header's size field is what it is; {@link #withData} keeps it consistent.
     */
    public record Entry(byte[] pax, byte[] header, byte[] data) {

        public String name() {
            int end = 0;
            while (end < 100 && header[end] != 0) {
                end++;
            }
            return new String(header, 0, end, StandardCharsets.ISO_8859_1);
        }

        public byte type() {
            return header[156];
        }

        /** The same header with a new size and checksum, holding {@code newData}. */
        public Entry withData(byte[] newData) {
            byte[] h = header.clone();
            setOctal(h, 124, 12, newData.length);
            fixChecksum(h);
            return new Entry(pax, h, newData);
        }

        /** A copy with a changed header block (the caller fixes the checksum, or not). */
        public Entry withHeader(byte[] newHeader) {
            return new Entry(pax, newHeader, data);
        }

        public Entry withPax(byte[] newPax) {
            return new Entry(newPax, header, data);
        }
    }

    private Tar() {
    }

    /** A regular-file entry as the bundle writer makes it: mode 0644, root-owned, mtime given. */
    public static Entry file(String name, byte[] data, long mtime) {
        return new Entry(null, header(name, data.length, mtime, (byte) '0'), data);
    }

    /** A ustar header block: name, mode 0644, uid/gid 0, size, mtime, type, magic "ustar\0" "00". */
    public static byte[] header(String name, long size, long mtime, byte type) {
        byte[] h = new byte[BLOCK];
        byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(n, 0, h, 0, Math.min(100, n.length));
        setOctal(h, 100, 8, 0644);
        setOctal(h, 108, 8, 0);
        setOctal(h, 116, 8, 0);
        setOctal(h, 124, 12, size);
        setOctal(h, 136, 12, mtime);
        h[156] = type;
        System.arraycopy("ustar\0".getBytes(StandardCharsets.ISO_8859_1), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        fixChecksum(h);
        return h;
    }

    /** A pax extended header (type 'x') holding {@code records}, as the block plus padded data. */
    public static byte[] pax(String forName, String records, long mtime) {
        byte[] data = records.getBytes(StandardCharsets.ISO_8859_1);
        byte[] h = header("PaxHeaders/" + forName, data.length, mtime, (byte) 'x');
        byte[] out = new byte[BLOCK + padded(data.length)];
        System.arraycopy(h, 0, out, 0, BLOCK);
        System.arraycopy(data, 0, out, BLOCK, data.length);
        return out;
    }

    /** A pax record "LEN key=value\n" whose length counts itself. */
    public static String paxRecord(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int len = body.length() + 1;
        while (Integer.toString(len).length() + body.length() != len) {
            len++;
        }
        return len + body;
    }

    /** Writes {@code value} as zero-padded octal digits and a NUL into {@code len} bytes at {@code off}. */
    public static void setOctal(byte[] h, int off, int len, long value) {
        String s = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        byte[] b = padded.getBytes(StandardCharsets.ISO_8859_1);
        Arrays.fill(h, off, off + len, (byte) 0);
        System.arraycopy(b, Math.max(0, b.length - (len - 1)), h, off, Math.min(b.length, len - 1));
    }

    /** Recomputes the header checksum (field at 148, 8 bytes: six octal digits, NUL, space). */
    public static void fixChecksum(byte[] h) {
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += h[i] & 0xff;
        }
        String s = String.format("%06o", sum & 0777777);
        System.arraycopy(s.getBytes(StandardCharsets.ISO_8859_1), 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
    }

    /**
     * Whether the stored checksum matches the header's byte sum, counted unsigned or (as old tars did) signed.
     * False also when the field is not an octal number.
     */
    public static boolean checksumMatches(byte[] h) {
        String field = new String(h, 148, 8, StandardCharsets.ISO_8859_1).replace('\0', ' ').trim();
        if (field.isEmpty() || !field.matches("[0-7]+")) {
            return false;
        }
        long stored = Long.parseLong(field, 8);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i >= 148 && i < 156 ? (byte) ' ' : h[i];
            unsigned += b & 0xff;
            signed += b;
        }
        return stored == unsigned || stored == signed;
    }

    public static int padded(long size) {
        return (int) ((size + BLOCK - 1) / BLOCK * BLOCK);
    }

    /** Splits an archive into entries (pax headers attached to the entry they precede); stops at a zero block. */
    public static List<Entry> entries(byte[] tar) {
        List<Entry> out = new ArrayList<>();
        int at = 0;
        byte[] pax = null;
        while (at + BLOCK <= tar.length) {
            byte[] h = Arrays.copyOfRange(tar, at, at + BLOCK);
            if (isZero(h)) {
                break;
            }
            long size = Long.parseLong(new String(h, 124, 11, StandardCharsets.ISO_8859_1).trim(), 8);
            int dataEnd = at + BLOCK + padded(size);
            if (h[156] == 'x') {
                pax = Arrays.copyOfRange(tar, at, dataEnd);
            } else {
                out.add(new Entry(pax, h, Arrays.copyOfRange(tar, at + BLOCK, at + BLOCK + (int) size)));
                pax = null;
            }
            at = dataEnd;
        }
        return out;
    }

    /** Puts entries back together and ends the archive with {@code zeroBlocks} zero blocks. */
    public static byte[] assemble(List<Entry> entries, int zeroBlocks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Entry e : entries) {
            if (e.pax() != null) {
                out.writeBytes(e.pax());
            }
            out.writeBytes(e.header());
            out.writeBytes(e.data());
            out.writeBytes(new byte[padded(e.data().length) - e.data().length]);
        }
        out.writeBytes(new byte[zeroBlocks * BLOCK]);
        return out.toByteArray();
    }

    /** Offset of each entry's first block (its pax header if it has one) in {@link #assemble}'s output. */
    public static int[] offsets(List<Entry> entries) {
        int[] at = new int[entries.size() + 1];
        int pos = 0;
        for (int i = 0; i < entries.size(); i++) {
            at[i] = pos;
            Entry e = entries.get(i);
            pos += (e.pax() == null ? 0 : e.pax().length) + BLOCK + padded(e.data().length);
        }
        at[entries.size()] = pos;
        return at;
    }

    static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
