package dev.tandem.slot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The partitions of a disk as its GPT (or MBR) says, read from the disk itself: without udev nothing else
 * knows partition UUIDs and labels (the kernel's uevent has neither for partitions added by partx or loop).
 * Partition numbers follow the kernel's: GPT entry index + 1, MBR primary slot 1-4. Logical MBR
 * partitions are not listed.
 */
final class PartitionTable {

    /** One partition; {@code label} is null on MBR disks. */
    record Entry(int number, String partuuid, String label) {
    }

    private static final long GPT_SIGNATURE = 0x5452415020494645L; // "EFI PART", little-endian
    private static final int MAX_ENTRIES_BYTES = 1 << 20;

    private PartitionTable() {
    }

    /** Reads the table of {@code disk}; empty when it has neither a valid GPT nor an MBR. */
    static Optional<List<Entry>> read(Path disk) throws IOException {
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ)) {
            for (int sector : new int[] {512, 4096}) {
                Optional<List<Entry>> gpt = readGpt(ch, sector);
                if (gpt.isPresent()) {
                    return gpt;
                }
            }
            return readMbr(ch);
        }
    }

    private static Optional<List<Entry>> readGpt(FileChannel ch, int sectorSize) throws IOException {
        ByteBuffer header = read(ch, sectorSize, 512);
        if (header == null || header.getLong(0) != GPT_SIGNATURE) {
            return Optional.empty();
        }
        int headerSize = header.getInt(12);
        if (headerSize < 92 || headerSize > 512) {
            return Optional.empty();
        }
        // The kernel ignores a GPT whose header CRC is wrong; so must we, or we would resolve slots on a
        // table the kernel does not use.
        int storedCrc = header.getInt(16);
        byte[] h = new byte[headerSize];
        header.get(0, h);
        h[16] = h[17] = h[18] = h[19] = 0;
        if (crc(h) != storedCrc) {
            return Optional.empty();
        }
        long entriesLba = header.getLong(72);
        int count = header.getInt(80);
        int entrySize = header.getInt(84);
        long total = (long) count * entrySize;
        if (entrySize < 128 || count < 0 || total > MAX_ENTRIES_BYTES) {
            return Optional.empty();
        }
        ByteBuffer entries = read(ch, entriesLba * sectorSize, (int) total);
        if (entries == null) {
            return Optional.empty();
        }
        byte[] all = new byte[(int) total];
        entries.get(0, all);
        if (crc(all) != header.getInt(88)) {
            return Optional.empty();
        }
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = i * entrySize;
            if (isZero(all, at, 16)) {
                continue;
            }
            out.add(new Entry(i + 1, guid(all, at + 16), name(all, at + 56)));
        }
        return Optional.of(out);
    }

    private static Optional<List<Entry>> readMbr(FileChannel ch) throws IOException {
        ByteBuffer mbr = read(ch, 0, 512);
        if (mbr == null || (mbr.get(510) & 0xff) != 0x55 || (mbr.get(511) & 0xff) != 0xaa) {
            return Optional.empty();
        }
        int signature = mbr.getInt(440);
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int type = mbr.get(446 + 16 * i + 4) & 0xff;
            // 0: unused; 0x05/0x0f/0x85: extended containers, which hold partitions but are not one.
            if (type != 0 && type != 0x05 && type != 0x0f && type != 0x85) {
                out.add(new Entry(i + 1, String.format("%08x-%02x", signature, i + 1), null));
            }
        }
        return Optional.of(out);
    }

    private static ByteBuffer read(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
                return null;
            }
        }
        return buf.flip();
    }

    /** A GUID as text: the first three fields are stored little-endian, the last two big-endian. */
    private static String guid(byte[] b, int at) {
        HexFormat hex = HexFormat.of();
        StringBuilder s = new StringBuilder();
        for (int i = 3; i >= 0; i--) {
            s.append(hex.toHexDigits(b[at + i]));
        }
        s.append('-').append(hex.toHexDigits(b[at + 5])).append(hex.toHexDigits(b[at + 4]));
        s.append('-').append(hex.toHexDigits(b[at + 7])).append(hex.toHexDigits(b[at + 6]));
        s.append('-').append(hex.formatHex(b, at + 8, at + 10));
        s.append('-').append(hex.formatHex(b, at + 10, at + 16));
        return s.toString();
    }

    private static String name(byte[] b, int at) {
        int end = at;
        while (end < at + 72 && (b[end] != 0 || b[end + 1] != 0)) {
            end += 2;
        }
        return new String(b, at, end - at, StandardCharsets.UTF_16LE);
    }

    private static boolean isZero(byte[] b, int at, int length) {
        for (int i = at; i < at + length; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static int crc(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b);
        return (int) crc.getValue();
    }
}
