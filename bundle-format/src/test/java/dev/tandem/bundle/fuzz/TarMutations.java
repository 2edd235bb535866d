package dev.tandem.bundle.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Mutations of the tar layer: bytes, header fields, entry order, foreign entries, pax headers, the end. */
final class TarMutations {

    private TarMutations() {
    }

    /** A header field: name, offset, length, and whether any change to it must be refused. */
    private record Field(String name, int offset, int length, boolean checked) {
    }

    private static final List<Field> FIELDS = List.of(
            new Field("name", 0, 100, true), new Field("mode", 100, 8, false), new Field("uid", 108, 8, false),
            new Field("gid", 116, 8, false), new Field("size", 124, 12, false), new Field("mtime", 136, 12, false),
            new Field("chksum", 148, 8, false), new Field("typeflag", 156, 1, true),
            new Field("linkname", 157, 100, true), new Field("magic", 257, 6, true),
            new Field("version", 263, 2, true), new Field("uname", 265, 32, false),
            new Field("gname", 297, 32, false), new Field("devmajor", 329, 8, false),
            new Field("devminor", 337, 8, false), new Field("prefix", 345, 155, true),
            new Field("pad", 500, 12, false));

    /** Cuts the bundle anywhere: always refused (the end-of-archive blocks are required). */
    static Mutant truncate(SeedBundle seed, Random r) {
        int at = r.nextInt(4) == 0 ? boundary(seed, r) : r.nextInt(seed.bytes.length);
        return new Mutant("truncate", "cut at " + at, Arrays.copyOf(seed.bytes, at), Mutant.Expect.REFUSE,
                seed.bundleId);
    }

    /** Flips 1 to 4 bits anywhere. Harmless only in the unsigned hints or as CMS malleability. */
    static Mutant flipBits(SeedBundle seed, Random r) {
        byte[] b = seed.bytes.clone();
        int flips = 1 + r.nextInt(4);
        boolean tolerant = true;
        StringBuilder where = new StringBuilder();
        for (int k = 0; k < flips; k++) {
            int at = r.nextInt(b.length);
            b[at] ^= (byte) (1 << r.nextInt(8));
            tolerant &= inTolerantRegion(seed, at);
            where.append(at).append(' ');
        }
        return new Mutant("flip-bits", "at " + where.toString().trim(), b,
                tolerant ? Mutant.Expect.EITHER : Mutant.Expect.REFUSE, seed.bundleId);
    }

    /** Inserts or deletes bytes before the end-of-archive blocks: every later header moves. */
    static Mutant insertOrDelete(SeedBundle seed, Random r) {
        int end = seed.bytes.length - 2 * Tar.BLOCK;
        int at = r.nextInt(end);
        int n = 1 + (r.nextBoolean() ? r.nextInt(16) : r.nextInt(1100));
        byte[] out;
        String what;
        if (r.nextBoolean()) {
            byte[] ins = new byte[n];
            r.nextBytes(ins);
            ins[r.nextInt(n)] = (byte) (1 + r.nextInt(255));
            out = new byte[seed.bytes.length + n];
            System.arraycopy(seed.bytes, 0, out, 0, at);
            System.arraycopy(ins, 0, out, at, n);
            System.arraycopy(seed.bytes, at, out, at + n, seed.bytes.length - at);
            what = "inserted " + n + " bytes at " + at;
        } else {
            n = Math.min(n, end - at);
            out = new byte[seed.bytes.length - n];
            System.arraycopy(seed.bytes, 0, out, 0, at);
            System.arraycopy(seed.bytes, at + n, out, at, seed.bytes.length - at - n);
            what = "deleted " + n + " bytes at " + at;
        }
        return new Mutant("insert-delete", what, out, Mutant.Expect.REFUSE, seed.bundleId);
    }

    /** Appends garbage, or zero blocks (harmless up to 16 KiB of trailer in all). */
    static Mutant append(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        if (r.nextBoolean()) {
            e.zeroBlocks = r.nextInt(40);
            boolean ok = e.zeroBlocks >= 2 && e.zeroBlocks * Tar.BLOCK <= 16 * 1024;
            return e.mutant("trailer", e.zeroBlocks + " zero blocks at the end",
                    ok ? Mutant.Expect.EITHER : Mutant.Expect.REFUSE);
        }
        byte[] tail = new byte[1 + r.nextInt(3000)];
        r.nextBytes(tail);
        tail[r.nextInt(tail.length)] = (byte) (1 + r.nextInt(255));
        byte[] b = Arrays.copyOf(seed.bytes, seed.bytes.length + tail.length);
        System.arraycopy(tail, 0, b, seed.bytes.length, tail.length);
        return new Mutant("trailer", tail.length + " garbage bytes at the end", b, Mutant.Expect.REFUSE, seed.bundleId);
    }

    /** Changes one header field of one entry, and (mostly) fixes the checksum so the change is what is judged. */
    static Mutant headerField(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        int entry = r.nextInt(e.entries.size());
        Field f = FIELDS.get(r.nextInt(FIELDS.size()));
        byte[] h = e.entries.get(entry).header().clone();
        byte[] before = h.clone();
        String op = fieldValue(h, f, r);
        boolean fix = r.nextInt(8) != 0;
        if (fix) {
            Tar.fixChecksum(h);
        }
        e.entries.set(entry, e.entries.get(entry).withHeader(h));
        boolean changed = !Arrays.equals(before, 0, 512, h, 0, 512);
        // Unchecked fields (mtime, mode, owner, ...) and equivalent spellings of a number may be accepted, as
        // long as the checksum still matches: fixed, or by chance (a change that keeps the byte sum).
        boolean mustRefuse = changed && (f.checked() || !Tar.checksumMatches(h));
        return e.mutant("tar-header", "entry " + entry + " field " + f.name() + ": " + op
                + (fix ? ", checksum fixed" : ""), mustRefuse ? Mutant.Expect.REFUSE : Mutant.Expect.EITHER);
    }

    private static String fieldValue(byte[] h, Field f, Random r) {
        int op = r.nextInt(7);
        switch (op) {
            case 0 -> {
                int at = f.offset() + r.nextInt(f.length());
                h[at] ^= (byte) (1 << r.nextInt(8));
                return "bit flip";
            }
            case 1 -> {
                for (int i = 0; i < f.length(); i++) {
                    h[f.offset() + i] = (byte) r.nextInt(256);
                }
                return "random bytes";
            }
            case 2 -> {
                Arrays.fill(h, f.offset(), f.offset() + f.length(), (byte) ' ');
                return "spaces";
            }
            case 3 -> {
                Arrays.fill(h, f.offset(), f.offset() + f.length(), (byte) 0);
                return "NULs";
            }
            case 4 -> {
                Arrays.fill(h, f.offset(), f.offset() + f.length(), (byte) '7');
                return "all 7s";
            }
            case 5 -> {
                long v = switch (r.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> r.nextInt(4096);
                    case 2 -> (1L << (3 * (f.length() - 1))) - 1;
                    default -> Math.abs(r.nextLong());
                };
                if (f.length() >= 2) {
                    Tar.setOctal(h, f.offset(), f.length(), v & ((1L << (3 * (f.length() - 1))) - 1));
                }
                return "octal " + v;
            }
            default -> {
                byte[] s = ("../" + r.nextInt(1000) + "/x").getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(s, 0, h, f.offset(), Math.min(s.length, f.length()));
                if (f.offset() == 124 || f.offset() == 136 || f.offset() == 100) {
                    h[f.offset() + Math.min(s.length, f.length()) - 1] = 0;
                }
                return "text";
            }
        }
    }

    /** Swaps, duplicates, drops or renames entries: the order and the names are fixed by the format. */
    static Mutant entryOrder(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        int n = e.entries.size();
        int a = r.nextInt(n);
        int b = (a + 1 + r.nextInt(n - 1)) % n;
        String what;
        switch (r.nextInt(4)) {
            case 0 -> {
                Tar.Entry x = e.entries.get(a);
                e.entries.set(a, e.entries.get(b));
                e.entries.set(b, x);
                what = "swapped entries " + a + " and " + b;
            }
            case 1 -> {
                e.entries.add(b, e.entries.get(a));
                what = "entry " + a + " again at " + b;
            }
            case 2 -> {
                e.entries.remove(a);
                what = "dropped entry " + a;
            }
            default -> {
                Tar.Entry x = e.entries.get(a);
                byte[] h = Tar.header(e.entries.get(b).name(), x.data().length, seed.mtime(), (byte) '0');
                e.entries.set(a, x.withHeader(h));
                what = "entry " + a + " renamed to " + e.entries.get(b).name();
            }
        }
        return e.mutant("entry-order", what, Mutant.Expect.REFUSE);
    }

    /** Inserts an entry a bundle may not contain: links, directories, devices, GNU and global headers, odd names. */
    static Mutant foreignEntry(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        String[] names = {"images/", "images/evil", "../etc/passwd", "/etc/shadow", "./manifest.json",
                "manifest.json", "images/rootfs.idx", "tandem-bundle", "././@LongLink", "images/rootfs.dat/../x"};
        byte[] types = {'0', '1', '2', '3', '4', '5', '6', '7', 'L', 'K', 'g', 'x', 'S', 'D', 'M', 'V', 0, 'A'};
        String name = names[r.nextInt(names.length)];
        byte type = types[r.nextInt(types.length)];
        byte[] data = new byte[r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(700)];
        r.nextBytes(data);
        byte[] h = Tar.header(name, data.length, seed.mtime(), type);
        if (type == '1' || type == '2') {
            byte[] target = "manifest.json".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(target, 0, h, 157, target.length);
            Tar.fixChecksum(h);
        }
        int at = r.nextInt(e.entries.size() + 1);
        e.entries.add(at, new Tar.Entry(null, h, data));
        return e.mutant("foreign-entry", "type '" + (char) type + "' named " + name + " at " + at,
                Mutant.Expect.REFUSE);
    }

    /**
     * Puts a pax header before an entry. A pax header holding only the right size, before an entry whose ustar
     * size is 0, is allowed; anything else is not.
     */
    static Mutant paxHeader(SeedBundle seed, Random r) {
        BundleEdit e = new BundleEdit(seed);
        int at = r.nextInt(e.entries.size());
        Tar.Entry x = e.entries.get(at);
        long size = x.data().length;
        int variant = r.nextInt(7);
        String records = switch (variant) {
            case 1 -> Tar.paxRecord("size", Long.toString(size + 1 + r.nextInt(1000)));
            case 2 -> Tar.paxRecord("path", "evil") + Tar.paxRecord("size", Long.toString(size));
            case 3 -> Tar.paxRecord("size", "-" + size);
            case 4 -> "99 size=" + size + "\n";
            case 5 -> Tar.paxRecord("size", "9".repeat(25));
            default -> Tar.paxRecord("size", Long.toString(size));
        };
        byte[] h = x.header().clone();
        boolean zeroUstarSize = variant != 6;
        if (zeroUstarSize) {
            Tar.setOctal(h, 124, 12, 0);
            Tar.fixChecksum(h);
        }
        e.entries.set(at, new Tar.Entry(Tar.pax(x.name(), records, seed.mtime()), h, x.data()));
        boolean valid = variant == 0 || variant == 6 && size == 0;
        return e.mutant("pax", "variant " + variant + " before entry " + at,
                valid ? Mutant.Expect.EITHER : Mutant.Expect.REFUSE);
    }

    private static int boundary(SeedBundle seed, Random r) {
        int[] offsets = Tar.offsets(seed.entries);
        int at = offsets[r.nextInt(offsets.length)] + (r.nextBoolean() ? 0 : Tar.BLOCK);
        return Math.min(at, seed.bytes.length - 1);
    }

    /** Offsets where a change may be accepted: hint data (unsigned), the signature (DER malleability), checksums. */
    private static boolean inTolerantRegion(SeedBundle seed, int at) {
        int[] offsets = Tar.offsets(seed.entries);
        for (int i = 0; i < seed.entries.size(); i++) {
            Tar.Entry e = seed.entries.get(i);
            int data = offsets[i] + Tar.BLOCK;
            if (at >= offsets[i] + 148 && at < offsets[i] + 156) {
                return true;
            }
            boolean hints = i >= 4 && (i - 4) % 3 == 0;
            if ((hints || i == 2) && at >= data && at < data + e.data().length) {
                return true;
            }
        }
        return false;
    }
}
