package dev.tandem.boot;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * GRUB's environment block ({@code grubenv}): the header line {@code # GRUB Environment Block\n}, then
 * {@code name=value\n} lines, then {@code #} padding to the block size (1024 bytes as grub-editenv creates it).
 *
 * <p>Parsing follows GRUB's {@code grub_envblk_iterate} byte for byte, because GRUB's {@code load_env} is what
 * decides at boot: a line starting with {@code #} is a comment; a name runs to the next {@code =} (even across
 * a newline, as GRUB does with a broken line); a backslash escapes the next byte, so {@code \\} is a backslash
 * and a backslash before a newline keeps the newline in the value; an unterminated last line ends parsing. A
 * name that appears twice takes its last value, as {@code load_env} sets it twice. Bytes map one to one to
 * chars (ISO-8859-1), so values that are not UTF-8 survive a rewrite unchanged.
 */
public final class GrubEnvBlock {

    /** The size grub-editenv creates and GRUB's {@code save_env} rewrites in place. */
    public static final int SIZE = 1024;

    static final String HEADER = "# GRUB Environment Block\n";

    private final Map<String, String> vars;

    private GrubEnvBlock(Map<String, String> vars) {
        this.vars = vars;
    }

    /** A block holding {@code vars} in iteration order. */
    public static GrubEnvBlock of(Map<String, String> vars) {
        Map<String, String> copy = new LinkedHashMap<>();
        vars.forEach((k, v) -> {
            checkName(k);
            copy.put(k, v);
        });
        return new GrubEnvBlock(copy);
    }

    /**
     * Parses a block as GRUB would; empty when GRUB would refuse it ({@code invalid environment block}: shorter
     * than the header or not starting with it).
     */
    public static Optional<GrubEnvBlock> parse(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        if (bytes.length < HEADER.length() + 1 || !s.startsWith(HEADER)) {
            return Optional.empty();
        }
        Map<String, String> vars = new LinkedHashMap<>();
        int p = HEADER.length();
        int end = s.length();
        while (p < end) {
            if (s.charAt(p) != '#') {
                int nameStart = p;
                while (p < end && s.charAt(p) != '=') {
                    p++;
                }
                if (p == end) {
                    break; // broken: GRUB stops here too
                }
                String name = s.substring(nameStart, p);
                p++;
                StringBuilder value = new StringBuilder();
                boolean terminated = false;
                while (p < end) {
                    char c = s.charAt(p);
                    if (c == '\n') {
                        terminated = true;
                        break;
                    } else if (c == '\\') {
                        if (p + 1 < end) {
                            value.append(s.charAt(p + 1));
                        }
                        p += 2;
                    } else {
                        value.append(c);
                        p++;
                    }
                }
                if (!terminated) {
                    break;
                }
                vars.remove(name); // a repeated name moves to where GRUB last saw it
                vars.put(name, value.toString());
            }
            p = nextLine(s, p, end);
        }
        return Optional.of(new GrubEnvBlock(vars));
    }

    /** GRUB's find_next_line: skips to after the next unescaped newline. */
    private static int nextLine(String s, int p, int end) {
        while (p < end) {
            char c = s.charAt(p);
            if (c == '\\') {
                p += 2;
            } else if (c == '\n') {
                break;
            } else {
                p++;
            }
        }
        return p + 1;
    }

    /** The variables, in block order. */
    public Map<String, String> vars() {
        return Collections.unmodifiableMap(vars);
    }

    /** One variable. */
    public Optional<String> get(String name) {
        return Optional.ofNullable(vars.get(name));
    }

    /**
     * The block as GRUB writes it: header, one escaped {@code name=value\n} line per variable, {@code #} up to
     * {@link #SIZE} bytes.
     *
     * @throws BootloaderException when the variables do not fit: GRUB cannot grow the file at boot
     */
    public byte[] toBytes() {
        StringBuilder sb = new StringBuilder(HEADER);
        vars.forEach((name, value) -> {
            sb.append(name).append('=');
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\\' || c == '\n') {
                    sb.append('\\');
                }
                sb.append(c);
            }
            sb.append('\n');
        });
        if (sb.length() > SIZE) {
            throw new BootloaderException("grub: environment needs " + sb.length() + " bytes, the block holds " + SIZE);
        }
        for (int i = 0; i < sb.length(); i++) {
            if (sb.charAt(i) > 0xff) {
                throw new BootloaderException("grub: variable text must be single bytes, found U+"
                        + Integer.toHexString(sb.charAt(i)));
            }
        }
        byte[] out = new byte[SIZE];
        Arrays.fill(out, (byte) '#');
        byte[] text = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(text, 0, out, 0, text.length);
        return out;
    }

    /** Names GRUB could not read back: empty, containing {@code =} or a newline, or starting with {@code #}. */
    static void checkName(String name) {
        if (!isValidName(name)) {
            throw new BootloaderException("grub: invalid variable name '" + name + "'");
        }
    }

    static boolean isValidName(String name) {
        return !name.isEmpty() && name.indexOf('=') < 0 && name.indexOf('\n') < 0 && !name.startsWith("#");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GrubEnvBlock other && vars.equals(other.vars);
    }

    @Override
    public int hashCode() {
        return vars.hashCode();
    }

    @Override
    public String toString() {
        return "GrubEnvBlock" + vars;
    }
}
