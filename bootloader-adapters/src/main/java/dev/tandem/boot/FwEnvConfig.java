package dev.tandem.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * U-Boot's {@code fw_env.config}, read exactly as fw_printenv/fw_setenv (libubootenv) read it, so both see the
 * same areas: one line per copy, {@code device offset size [sector-size [sectors]]}; one line is a single
 * environment, two lines a redundant pair, further lines are ignored. Lines starting with {@code #} and lines
 * with fewer than three fields are skipped.
 *
 * <p>Numbers follow libubootenv's {@code sscanf("%lli %zx %zx %lx")}: the offset takes a C prefix ({@code 0x}
 * hex, leading {@code 0} octal, else decimal), but size, sector size and sector count are <em>always
 * hexadecimal</em>, with or without {@code 0x}. {@code 16384} as a size therefore means 0x16384, as it does for
 * fw_printenv; write sizes as {@code 0x4000}.
 *
 * @param areas  one (single) or two (redundant) environment copies
 * @param source the file it was read from, for messages that tell what to run; null when built in code
 */
public record FwEnvConfig(List<Area> areas, String source) {

    /** Copies not read from a file. */
    public FwEnvConfig(List<Area> areas) {
        this(areas, null);
    }

    /** The default location of the file. */
    public static final Path DEFAULT_PATH = Path.of("/etc/fw_env.config");

    /**
     * One copy of the environment.
     *
     * @param device      a regular file or a block device
     * @param offset      byte offset of the copy in the device
     * @param sizeBytes   size of the copy (CRC, flag and data)
     * @param sectorSize  erase block size (MTD only; kept for completeness), 0 when not given
     * @param sectors     number of erase blocks (MTD only), 0 when not given
     */
    public record Area(Path device, long offset, int sizeBytes, long sectorSize, long sectors) {
    }

    public FwEnvConfig {
        areas = List.copyOf(areas);
        if (areas.isEmpty() || areas.size() > 2) {
            throw new BootloaderException("uboot: fw_env.config needs one or two environment lines, got " + areas.size());
        }
        if (areas.size() == 2 && areas.get(0).sizeBytes() != areas.get(1).sizeBytes()) {
            throw new BootloaderException("uboot: the two environment copies differ in size ("
                    + areas.get(0).sizeBytes() + " and " + areas.get(1).sizeBytes() + ")");
        }
    }

    /** Whether there are two copies. */
    public boolean redundant() {
        return areas.size() == 2;
    }

    /** Size of each copy. */
    public int sizeBytes() {
        return areas.get(0).sizeBytes();
    }

    /** Reads and parses {@code path}; a relative device path is taken relative to the working directory, as the tools do. */
    public static FwEnvConfig read(Path path) {
        try {
            return parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
        } catch (NoSuchFileException e) {
            throw new BootloaderException("uboot: " + path + " does not exist");
        } catch (IOException e) {
            throw new BootloaderException("uboot: cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Parses the text of a config file; {@code source} names it in messages. */
    public static FwEnvConfig parse(String text, String source) {
        List<Area> areas = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (f.length < 3 || f[0].isEmpty()) {
                continue;
            }
            String where = source + ":" + lineNo;
            long offset = number(f[1], 0, where, "offset");
            long size = number(f[2], 16, where, "size");
            long sectorSize = f.length > 3 ? number(f[3], 16, where, "sector size") : 0;
            long sectors = f.length > 4 ? number(f[4], 16, where, "sector count") : 0;
            if (size <= 0 || size > Integer.MAX_VALUE) {
                throw new BootloaderException("uboot: " + where + ": bad environment size '" + f[2] + "'");
            }
            if (size < 6) {
                throw new BootloaderException("uboot: " + where + ": environment size " + size + " is too small");
            }
            areas.add(new Area(Path.of(f[0]), offset, (int) size, sectorSize, sectors));
            if (areas.size() == 2) {
                break; // libubootenv stops after the second copy
            }
        }
        if (areas.isEmpty()) {
            throw new BootloaderException("uboot: " + source + " names no environment (device offset size)");
        }
        return new FwEnvConfig(areas, source);
    }

    /** sscanf's %lli (base 0) or %zx/%lx (base 16, optional 0x): the whole field must be the number. */
    private static long number(String field, int base, String where, String what) {
        String s = field;
        int radix = base;
        if (base == 16 || base == 0) {
            if (s.startsWith("0x") || s.startsWith("0X")) {
                s = s.substring(2);
                radix = 16;
            } else if (base == 0 && s.length() > 1 && s.startsWith("0")) {
                s = s.substring(1);
                radix = 8;
            } else if (base == 0) {
                radix = 10;
            }
        }
        try {
            long v = Long.parseLong(s, radix);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new BootloaderException("uboot: " + where + ": bad " + what + " '" + field + "'");
        }
    }
}
