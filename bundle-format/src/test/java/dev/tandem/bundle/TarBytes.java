package dev.tandem.bundle;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A test-side ustar reader and writer, written from POSIX rather than with {@link TarFormat}, so that tests
 * find and rebuild entries without trusting the code under test. It is lenient on purpose: it must be able
 * to take apart and put together archives that the reader is expected to refuse.
 */
final class TarBytes {

    static final int BLOCK = 512;

    /**
     * One entry of an archive.
     *
     * @param paxOffset offset of the pax header before it, or -1
     * @param type      the type flag character
     */
    record Entry(String name, char type, long paxOffset, long headerOffset, long dataOffset, long size) {

        /** Offset after the entry's data and padding. */
        long end() {
            return dataOffset + padded(size);
        }

        /** Offset of the first header block of the entry (its pax header, if any). */
        long start() {
            return paxOffset >= 0 ? paxOffset : headerOffset;
        }
    }

    /** The entries, and the offset of the first end-of-archive block. */
    record Layout(List<Entry> entries, long endOfEntries) {

        Entry entry(String name) {
            return entries.stream().filter(e -> e.name().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no entry " + name));
        }
    }

    private TarBytes() {
    }

    static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** Walks the archive's headers up to the first zero block. */
    static Layout layout(byte[] tar) {
        List<Entry> entries = new ArrayList<>();
        int at = 0;
        int pax = -1;
        long paxSize = -1;
        while (at + BLOCK <= tar.length && !allZero(tar, at, at + BLOCK)) {
            String name = cString(tar, at, 100);
            char type = (char) tar[at + 156];
            long size = octal(tar, at + 124, 12);
            if (type == 'x') {
                String records = new String(tar, at + BLOCK, (int) size, StandardCharsets.US_ASCII);
                pax = at;
                paxSize = -1;
                for (String line : records.split("\n")) {
                    int eq = line.indexOf("size=");
                    if (eq >= 0) {
                        paxSize = Long.parseLong(line.substring(eq + 5));
                    }
                }
                at += BLOCK + (int) padded(size);
                continue;
            }
            if (paxSize >= 0) {
                size = paxSize;
            }
            entries.add(new Entry(name, type, pax, at, at + BLOCK, size));
            at += BLOCK + (int) padded(size);
            pax = -1;
            paxSize = -1;
        }
        return new Layout(List.copyOf(entries), at);
    }

    /** The data of an entry. */
    static byte[] data(byte[] tar, Entry e) {
        return Arrays.copyOfRange(tar, (int) e.dataOffset(), (int) (e.dataOffset() + e.size()));
    }

    /** The whole entry: pax header if any, header, data, padding. */
    static byte[] whole(byte[] tar, Entry e) {
        return Arrays.copyOfRange(tar, (int) e.start(), (int) e.end());
    }

    /**
     * A ustar header block as {@link BundleWriter} would write it (mode 0644, uid/gid 0, no user or group names),
     * with a correct checksum.
     */
    static byte[] header(String name, long size, char type, long mtime) {
        byte[] b = new byte[BLOCK];
        put(b, 0, name);
        put(b, 100, String.format("%07o", 0644));
        put(b, 108, String.format("%07o", 0));
        put(b, 116, String.format("%07o", 0));
        put(b, 124, String.format("%011o", size));
        put(b, 136, String.format("%011o", mtime));
        b[156] = (byte) type;
        put(b, 257, "ustar");
        put(b, 263, "00");
        put(b, 329, String.format("%07o", 0));
        put(b, 337, String.format("%07o", 0));
        return checksummed(b);
    }

    /** A header block with its checksum recomputed after an edit. */
    static byte[] checksummed(byte[] block) {
        byte[] b = block.clone();
        Arrays.fill(b, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte x : b) {
            sum += x & 0xff;
        }
        put(b, 148, String.format("%06o", sum));
        b[154] = 0;
        b[155] = ' ';
        return b;
    }

    /** A whole regular-file entry: header, data, zero padding. */
    static byte[] entry(String name, byte[] data, long mtime) {
        return concat(header(name, data.length, '0', mtime), data, new byte[(int) (padded(data.length) - data.length)]);
    }

    /** A pax extended header entry holding these records ("key=value" each). */
    static byte[] paxHeader(String name, long mtime, String... keyValues) {
        StringBuilder sb = new StringBuilder();
        for (String kv : keyValues) {
            String body = " " + kv + "\n";
            int len = body.length() + 1;
            while (Integer.toString(len).length() + body.length() != len) {
                len++;
            }
            sb.append(len).append(body);
        }
        byte[] data = sb.toString().getBytes(StandardCharsets.US_ASCII);
        return concat(header(name, data.length, 'x', mtime), data, new byte[(int) (padded(data.length) - data.length)]);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] slice(byte[] b, long from, long to) {
        return Arrays.copyOfRange(b, (int) from, (int) to);
    }

    static long octal(byte[] b, int off, int len) {
        long v = 0;
        for (int i = off; i < off + len; i++) {
            int c = b[i] & 0xff;
            if (c == 0 || c == ' ') {
                if (v > 0 || i > off) {
                    break;
                }
                continue;
            }
            v = v * 8 + (c - '0');
        }
        return v;
    }

    static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }

    private static void put(byte[] b, int off, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, b, off, bytes.length);
    }

    static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
