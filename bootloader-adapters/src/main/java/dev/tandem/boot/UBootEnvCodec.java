package dev.tandem.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The binary U-Boot environment copy ({@code env_t}): a CRC32 (zlib polynomial, stored little-endian), for
 * redundant environments one flag byte, then {@code name=value\0} entries ended by an empty entry, padded to
 * the copy's size. The CRC covers everything after the header: size − 4 bytes for a single copy, size − 5
 * with the flag byte.
 *
 * <p>Entries are decoded as U-Boot's {@code himport_r} does: an entry without {@code =} or with an empty
 * value sets nothing; a later entry of the same name wins. Bytes map one to one to chars (ISO-8859-1), so
 * values that are not UTF-8 survive a rewrite unchanged. Big-endian CRCs (some PowerPC boards) are not
 * supported.
 */
public final class UBootEnvCodec {

    private UBootEnvCodec() {
    }

    /**
     * One decoded copy.
     *
     * @param flag the redundancy counter (0 for a single copy)
     * @param vars the variables in stored order
     */
    public record Copy(int flag, Map<String, String> vars) {
        public Copy {
            vars = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vars));
        }
    }

    /** Header length: CRC, plus the flag byte when redundant. */
    public static int headerBytes(boolean redundant) {
        return redundant ? 5 : 4;
    }

    /** Decodes a copy; empty when its CRC does not match (U-Boot and fw_printenv then ignore it). */
    public static Optional<Copy> decode(byte[] area, boolean redundant) {
        int header = headerBytes(redundant);
        if (area.length <= header) {
            return Optional.empty();
        }
        long stored = ByteBuffer.wrap(area, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
        CRC32 crc = new CRC32();
        crc.update(area, header, area.length - header);
        if (crc.getValue() != stored) {
            return Optional.empty();
        }
        int flag = redundant ? area[4] & 0xff : 0;
        Map<String, String> vars = new LinkedHashMap<>();
        int p = header;
        while (p < area.length && area[p] != 0) {
            int end = p;
            while (end < area.length && area[end] != 0) {
                end++;
            }
            String entry = new String(area, p, end - p, StandardCharsets.ISO_8859_1);
            int eq = entry.indexOf('=');
            if (eq > 0) {
                String name = entry.substring(0, eq);
                String value = entry.substring(eq + 1);
                vars.remove(name);
                if (!value.isEmpty()) {
                    vars.put(name, value);
                }
            }
            p = end + 1;
        }
        return Optional.of(new Copy(flag, vars));
    }

    /**
     * Encodes a copy of {@code sizeBytes}, zero-padded.
     *
     * @throws BootloaderException when the variables do not fit or a name is unusable
     */
    public static byte[] encode(Map<String, String> vars, int flag, int sizeBytes, boolean redundant) {
        int header = headerBytes(redundant);
        byte[] out = new byte[sizeBytes];
        int p = header;
        for (Map.Entry<String, String> e : vars.entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                throw new BootloaderException("uboot: invalid variable name '" + name + "'");
            }
            if (value.indexOf('\0') >= 0) {
                throw new BootloaderException("uboot: value of " + name + " contains a NUL byte");
            }
            if (value.isEmpty()) {
                continue; // an empty value means "unset" to U-Boot
            }
            byte[] entry = (name + "=" + value).getBytes(StandardCharsets.ISO_8859_1);
            if (!new String(entry, StandardCharsets.ISO_8859_1).equals(name + "=" + value)) {
                throw new BootloaderException("uboot: variable " + name + " holds characters beyond one byte");
            }
            // The entry, its NUL, and the final empty entry's NUL must fit.
            if (p + entry.length + 2 > sizeBytes) {
                throw new BootloaderException("uboot: environment does not fit in " + sizeBytes + " bytes");
            }
            System.arraycopy(entry, 0, out, p, entry.length);
            p += entry.length + 1;
        }
        if (p + 1 > sizeBytes) {
            throw new BootloaderException("uboot: environment does not fit in " + sizeBytes + " bytes");
        }
        if (redundant) {
            out[4] = (byte) flag;
        }
        CRC32 crc = new CRC32();
        crc.update(out, header, sizeBytes - header);
        ByteBuffer.wrap(out, 0, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
        return out;
    }

    /**
     * Which of two copies U-Boot (env_check_redund) and libubootenv use: a valid copy beats an invalid one;
     * between two valid ones the higher flag wins, except that 0 beats 255 (the counter wrapped), and equal
     * flags pick the first copy.
     *
     * @return 0 or 1, or -1 when neither copy is valid
     */
    public static int active(Optional<Copy> first, Optional<Copy> second) {
        if (first.isEmpty() && second.isEmpty()) {
            return -1;
        }
        if (second.isEmpty()) {
            return 0;
        }
        if (first.isEmpty()) {
            return 1;
        }
        int f0 = first.get().flag();
        int f1 = second.get().flag();
        if (f0 == 255 && f1 == 0) {
            return 1;
        }
        if (f1 == 255 && f0 == 0) {
            return 0;
        }
        return f1 > f0 ? 1 : 0;
    }
}
