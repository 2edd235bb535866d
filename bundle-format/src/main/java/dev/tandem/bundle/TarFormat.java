package dev.tandem.bundle;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * The small subset of POSIX tar that bundles use (FORMAT.md §1.1): ustar headers for regular files, and a
 * pax {@code size} record for entries of 8 GiB and more. Commons Compress formats and checksums the header
 * blocks; the checks of what a bundle may contain are ours.
 */
final class TarFormat {

    static final int BLOCK = 512;
    /** Largest size the 11 octal digits of a ustar header hold. */
    static final long MAX_USTAR_SIZE = 077777777777L;
    /** Most zero bytes accepted after the last entry (tar's default record is 10 KiB). */
    static final int MAX_TRAILER = 16 * 1024;

    private static final byte[] USTAR_MAGIC = "ustar\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] USTAR_VERSION = "00".getBytes(StandardCharsets.US_ASCII);

    /** A parsed header block. {@code pax} marks a pax extended header, whose data holds the next entry's size. */
    record Header(String name, long size, boolean pax) {
    }

    private TarFormat() {
    }

    /** Bytes of zero padding after {@code size} bytes of entry data. */
    static int padding(long size) {
        return (int) ((BLOCK - size % BLOCK) % BLOCK);
    }

    /** The header block(s) for a regular-file entry: a pax header first when the size needs one. */
    static byte[] headerFor(String name, long size, long mtimeSeconds) {
        if (size <= MAX_USTAR_SIZE) {
            return ustar(name, size, mtimeSeconds, TarConstants.LF_NORMAL);
        }
        byte[] record = paxRecord("size", Long.toString(size));
        byte[] paxHeader = ustar("PaxHeaders/" + name, record.length, mtimeSeconds, TarConstants.LF_PAX_EXTENDED_HEADER_LC);
        byte[] out = new byte[BLOCK + BLOCK + BLOCK];
        System.arraycopy(paxHeader, 0, out, 0, BLOCK);
        System.arraycopy(record, 0, out, BLOCK, record.length);
        System.arraycopy(ustar(name, 0, mtimeSeconds, TarConstants.LF_NORMAL), 0, out, 2 * BLOCK, BLOCK);
        return out;
    }

    private static byte[] ustar(String name, long size, long mtimeSeconds, byte type) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setSize(size);
        // Permission bits only, as FORMAT.md §1.1 and POSIX ustar say (GNU tar writes 0000644 too); the
        // file type is the type flag's business, not the mode field's.
        e.setMode(0644);
        // Owner: uid and gid 0, no user or group name, which is what this constructor leaves (other constructors
        // fill in the user running the writer; TarFormatTest#writesNoOwnerNamesWhoeverRunsTheWriter checks it).
        e.setModTime(mtimeSeconds * 1000);
        byte[] block = new byte[BLOCK];
        e.writeEntryHeader(block);
        return block;
    }

    /** A pax record: "{length} {key}={value}\n", where length counts the whole record. */
    private static byte[] paxRecord(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int len = body.length();
        while (Integer.toString(len).length() + body.length() != len) {
            len++;
        }
        return (len + body).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Parses one header block, refusing everything a bundle may not contain.
     *
     * @throws VerificationException (CONTAINER) naming {@code where}
     */
    static Header parse(byte[] block, String where) {
        boolean checksumOk;
        try {
            checksumOk = TarUtils.verifyCheckSum(block);
        } catch (IllegalArgumentException e) {
            // Commons Compress throws when the stored checksum is not octal: untrusted input, so a
            // VerificationException like any other broken header, never an unchecked escape.
            throw container(where + ": tar header checksum field is malformed");
        }
        if (!checksumOk) {
            throw container(where + ": tar header checksum mismatch");
        }
        if (!Arrays.equals(block, 257, 263, USTAR_MAGIC, 0, 6) || !Arrays.equals(block, 263, 265, USTAR_VERSION, 0, 2)) {
            throw container(where + ": not a POSIX ustar header");
        }
        byte type = block[156];
        if (type != TarConstants.LF_NORMAL && type != TarConstants.LF_PAX_EXTENDED_HEADER_LC) {
            throw container(where + ": entry type '" + printable(type) + "' is not allowed (regular files only)");
        }
        if (!allZero(block, 157, 257) || !allZero(block, 345, 500)) {
            throw container(where + ": link name or name prefix set");
        }
        int nameEnd = 0;
        while (nameEnd < 100 && block[nameEnd] != 0) {
            nameEnd++;
        }
        if (!allZero(block, nameEnd, 100)) {
            throw container(where + ": malformed entry name");
        }
        String name = new String(block, 0, nameEnd, StandardCharsets.US_ASCII);
        if ((block[124] & 0x80) != 0) {
            throw container(where + ": base-256 sizes are not allowed");
        }
        long size;
        try {
            size = TarUtils.parseOctal(block, 124, 12);
        } catch (IllegalArgumentException e) {
            throw container(where + ": malformed size field");
        }
        return new Header(name, size, type == TarConstants.LF_PAX_EXTENDED_HEADER_LC);
    }

    /** Parses pax data that may hold exactly one {@code size} record. */
    static long parsePaxSize(byte[] data, String where) {
        String s = new String(data, StandardCharsets.US_ASCII);
        int space = s.indexOf(' ');
        if (space < 1) { // no digit of length before the space
            throw container(where + ": malformed pax header");
        }
        int len;
        try {
            len = Integer.parseInt(s.substring(0, space));
        } catch (NumberFormatException e) {
            throw container(where + ": malformed pax header");
        }
        if (len != data.length || s.charAt(len - 1) != '\n' || !s.startsWith("size=", space + 1)) {
            throw container(where + ": pax header may hold only one size record");
        }
        String value = s.substring(space + 6, len - 1);
        if (!value.matches("[0-9]{1,19}")) {
            throw container(where + ": malformed pax size");
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw container(where + ": pax size out of range");
        }
    }

    static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static String printable(byte b) {
        return b >= 0x20 && b < 0x7f ? Character.toString((char) b) : String.format("\\x%02x", b);
    }

    static VerificationException container(String message) {
        return new VerificationException(VerificationException.Kind.CONTAINER, message);
    }
}
