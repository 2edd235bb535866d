package dev.tandem.slot.policy;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Semantic Versioning 2.0.0 version. {@link #compareTo} is SemVer precedence: numeric core, then a version
 * with a pre-release below the same version without; pre-release identifiers compared one by one (numeric ones
 * numerically and below alphanumeric ones, which compare in ASCII order; a shorter list is lower when all its
 * identifiers are equal). Build metadata is ignored by precedence, so {@code compareTo} is not consistent with
 * {@code equals} (like {@link java.math.BigDecimal}): {@code 1.0.0+a} and {@code 1.0.0+b} are equal in
 * precedence but not equal.
 *
 * @param major      major version
 * @param minor      minor version
 * @param patch      patch version
 * @param preRelease pre-release identifiers, empty for a release
 * @param build      build metadata, null for none
 */
public record SemVer(long major, long minor, long patch, List<String> preRelease, String build)
        implements Comparable<SemVer> {

    // semver.org's regular expression: no leading zeros in numeric identifiers, no empty identifiers.
    private static final Pattern SEMVER = Pattern.compile(
            "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
            + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
            + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?");

    public SemVer {
        preRelease = List.copyOf(preRelease);
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("version numbers must not be negative");
        }
    }

    /**
     * Parses {@code text} strictly.
     *
     * @throws IllegalArgumentException when it is not a SemVer 2.0 version
     */
    public static SemVer parse(String text) {
        Matcher m = SEMVER.matcher(Objects.requireNonNull(text, "version"));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a SemVer 2.0 version: '" + text + "'");
        }
        try {
            return new SemVer(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    m.group(4) == null ? List.of() : List.of(m.group(4).split("\\.")), m.group(5));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("version number too large: '" + text + "'");
        }
    }

    @Override
    public int compareTo(SemVer o) {
        int c = Long.compare(major, o.major);
        if (c == 0) {
            c = Long.compare(minor, o.minor);
        }
        if (c == 0) {
            c = Long.compare(patch, o.patch);
        }
        if (c != 0) {
            return c;
        }
        if (preRelease.isEmpty() || o.preRelease.isEmpty()) {
            // A release is above its own pre-releases.
            return Boolean.compare(preRelease.isEmpty(), o.preRelease.isEmpty());
        }
        for (int i = 0; i < Math.min(preRelease.size(), o.preRelease.size()); i++) {
            c = compareIdentifier(preRelease.get(i), o.preRelease.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(preRelease.size(), o.preRelease.size());
    }

    /** Whether {@code this} is above {@code other} in precedence. */
    public boolean isAfter(SemVer other) {
        return compareTo(other) > 0;
    }

    private static int compareIdentifier(String a, String b) {
        boolean an = isNumeric(a);
        boolean bn = isNumeric(b);
        if (an && bn) {
            // No leading zeros, so the longer number is the larger; this works for any length.
            return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
        }
        if (an != bn) {
            return an ? -1 : 1;
        }
        return a.compareTo(b);
    }

    private static boolean isNumeric(String s) {
        return s.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch + (preRelease.isEmpty() ? "" : "-" + String.join(".", preRelease))
                + (build == null ? "" : "+" + build);
    }
}
