package dev.tandem.bundle.fuzz;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An uncompressed chunk table (FORMAT.md §3) as editable fields, so that mutations can break exactly one rule:
 * overlapping or out-of-order offsets, lengths beyond the entry, wrong kinds, counts that disagree with the size.
 */
public final class ChunkTable {

    /** One 48-byte record; every field may be set to anything, including what a reader must refuse. */
    public static final class Record {
        public byte[] hash = new byte[32];
        public long offset;
        public long length;
        public int kind;
        public byte[] reserved = new byte[3];

        Record copy() {
            Record r = new Record();
            r.hash = hash.clone();
            r.offset = offset;
            r.length = length;
            r.kind = kind;
            r.reserved = reserved.clone();
            return r;
        }
    }

    public int magic;
    public int version;
    public int flags;
    public int chunkSize;
    public long count;
    public final List<Record> records = new ArrayList<>();

    public static ChunkTable parse(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        ChunkTable t = new ChunkTable();
        t.magic = b.getInt();
        t.version = b.getShort() & 0xffff;
        t.flags = b.getShort() & 0xffff;
        t.chunkSize = b.getInt();
        t.count = Integer.toUnsignedLong(b.getInt());
        while (b.remaining() >= 48) {
            Record r = new Record();
            b.get(r.hash);
            r.offset = b.getLong();
            r.length = Integer.toUnsignedLong(b.getInt());
            r.kind = b.get() & 0xff;
            b.get(r.reserved);
            t.records.add(r);
        }
        return t;
    }

    public ChunkTable copy() {
        ChunkTable t = new ChunkTable();
        t.magic = magic;
        t.version = version;
        t.flags = flags;
        t.chunkSize = chunkSize;
        t.count = count;
        records.forEach(r -> t.records.add(r.copy()));
        return t;
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(16 + 48 * records.size());
        b.putInt(magic).putShort((short) version).putShort((short) flags).putInt(chunkSize).putInt((int) count);
        for (Record r : records) {
            b.put(r.hash).putLong(r.offset).putInt((int) r.length).put((byte) r.kind).put(r.reserved);
        }
        return b.array();
    }

    /** Sum of the stored lengths of raw and zstd chunks. */
    public long storedTotal() {
        return records.stream().filter(r -> r.kind == 1 || r.kind == 2).mapToLong(r -> r.length).sum();
    }

    public long nonZeroCount() {
        return records.stream().filter(r -> r.kind == 1 || r.kind == 2).count();
    }

    /** Indices of records of {@code kind}. */
    public List<Integer> ofKind(int kind) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).kind == kind) {
                out.add(i);
            }
        }
        return out;
    }
}
