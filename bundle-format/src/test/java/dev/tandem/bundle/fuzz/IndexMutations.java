package dev.tandem.bundle.fuzz;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutations of chunk-table records (FORMAT.md §3 rules). The mutated table is stored as one zstd frame, its
 * hash goes into the manifest, the manifest is re-signed, and (mostly) the hints and stored-chunk entries are
 * cut or padded to the lengths the table implies: so the table's own rules are what is judged.
 */
final class IndexMutations {

    private IndexMutations() {
    }

    static Mutant record(SeedBundle seed, Random r) {
        int k = r.nextInt(seed.images.size());
        SeedBundle.Image image = seed.images.get(k);
        ChunkTable t = image.table().copy();
        List<Integer> stored = t.ofKind(1);
        stored.addAll(t.ofKind(2));
        stored.sort(null);
        List<Integer> zero = t.ofKind(0);
        int n = t.records.size();
        BundleEdit e = new BundleEdit(seed);
        int variant = r.nextInt(15);
        String what;
        switch (variant) {
            case 0 -> {
                int i = stored.get(1 + r.nextInt(stored.size() - 1));
                ChunkTable.Record prev = t.records.get(stored.get(stored.indexOf(i) - 1));
                t.records.get(i).offset = prev.offset + r.nextInt((int) prev.length);
                what = "chunk " + i + " overlaps the one before";
            }
            case 1 -> {
                int i = stored.get(r.nextInt(stored.size()));
                t.records.get(i).offset += 1 + r.nextInt(100);
                what = "gap before chunk " + i;
            }
            case 2 -> {
                int i = stored.get(stored.size() - 1);
                t.records.get(i).length += 1 + r.nextInt(r.nextBoolean() ? 10 : 100_000);
                what = "last stored chunk " + i + " longer than its data";
            }
            case 3 -> {
                int i = stored.get(r.nextInt(stored.size()));
                t.records.get(i).length = 0;
                what = "stored chunk " + i + " has length 0";
            }
            case 4 -> {
                int i = stored.get(r.nextInt(stored.size()));
                ChunkTable.Record rec = t.records.get(i);
                rec.length = rec.kind == 2 ? chunkLength(image, i) : chunkLength(image, i) - 1 - r.nextInt(100);
                what = "chunk " + i + " (kind " + rec.kind + ") has length " + rec.length;
            }
            case 5 -> {
                int i = r.nextInt(n);
                ChunkTable.Record rec = t.records.get(i);
                int old = rec.kind;
                rec.kind = r.nextBoolean() ? (old + 1 + r.nextInt(2)) % 3 : 3 + r.nextInt(253);
                what = "chunk " + i + " kind " + old + " -> " + rec.kind;
            }
            case 6 -> {
                int i = r.nextInt(n);
                t.records.get(i).reserved[r.nextInt(3)] = (byte) (1 + r.nextInt(255));
                what = "chunk " + i + " reserved byte set";
            }
            case 7 -> {
                switch (r.nextInt(3)) {
                    case 0 -> t.magic ^= 1 << r.nextInt(32);
                    case 1 -> t.version = 2 + r.nextInt(1000);
                    default -> t.flags = 1 + r.nextInt(1000);
                }
                what = "table header magic, version or flags";
            }
            case 8 -> {
                t.chunkSize = r.nextBoolean() ? t.chunkSize * 2 : t.chunkSize + 1;
                what = "table header chunk-size " + t.chunkSize;
            }
            case 9 -> {
                t.count = r.nextBoolean() ? t.count + 1 : r.nextInt(3) == 0 ? 0xFFFF_FFFFL : t.count - 1;
                what = "table header count " + t.count;
            }
            case 10 -> {
                int i = r.nextInt(n);
                t.records.get(i).hash[r.nextInt(32)] ^= (byte) (1 << r.nextInt(8));
                what = "chunk " + i + " hash changed";
            }
            case 11 -> {
                int a = r.nextInt(n);
                int b = (a + 1 + r.nextInt(n - 1)) % n;
                ChunkTable.Record x = t.records.get(a);
                t.records.set(a, t.records.get(b));
                t.records.set(b, x);
                what = "records " + a + " and " + b + " swapped";
            }
            case 12 -> {
                int i = stored.get(r.nextInt(stored.size()));
                t.records.get(i).offset = r.nextBoolean() ? Long.MAX_VALUE - r.nextInt(1000) : -1L - r.nextInt(1000);
                what = "chunk " + i + " offset " + t.records.get(i).offset;
            }
            case 13 -> {
                int i = zero.isEmpty() ? 0 : zero.get(r.nextInt(zero.size()));
                ChunkTable.Record rec = t.records.get(i);
                rec.kind = 0;
                rec.offset = r.nextBoolean() ? 0 : 1 + r.nextInt(1000);
                rec.length = rec.offset == 0 ? 1 + r.nextInt(1000) : 0;
                what = "zero chunk " + i + " with offset " + rec.offset + " length " + rec.length;
            }
            default -> {
                // The count disagrees with the size: records added or removed, the manifest's derived values
                // kept consistent with the new count (and, half the time, its size too).
                boolean add = r.nextBoolean();
                if (add) {
                    t.records.add(t.records.get(zero.isEmpty() ? 0 : zero.get(0)).copy());
                } else {
                    t.records.remove(t.records.size() - 1);
                }
                t.count = t.records.size();
                e.setTable(k, t, true, true);
                ObjectNode root = e.json();
                ObjectNode img = e.image(root, k);
                img.put("chunks", t.count);
                img.put("index-size", 16 + 48 * t.count);
                if (r.nextBoolean()) {
                    img.put("size", t.count * SeedBundle.CHUNK_SIZE);
                }
                e.setJson(root);
                return e.mutant("index-record", (add ? "record added" : "record removed") + " in image " + k,
                        Mutant.Expect.REFUSE);
            }
        }
        boolean fixHints = r.nextInt(5) != 0;
        boolean fixStored = r.nextInt(5) != 0;
        e.setTable(k, t, fixHints, fixStored);
        boolean unchanged = Arrays.equals(t.toBytes(), image.table().toBytes());
        return e.mutant("index-record", what + " in image " + k + (fixHints ? ", hints fixed" : "")
                + (fixStored ? ", stored fixed" : ""), unchanged ? Mutant.Expect.EITHER : Mutant.Expect.REFUSE);
    }

    static int chunkLength(SeedBundle.Image image, int i) {
        return (int) Math.min(SeedBundle.CHUNK_SIZE, image.content().length - (long) i * SeedBundle.CHUNK_SIZE);
    }
}
