package dev.tandem.install.http;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code Content-Range} value: {@code bytes first-last/total}, or {@code bytes *}{@code /total} for 416
 * ({@code first = last = -1}). {@code total} is -1 for {@code /*}.
 */
record ContentRange(long first, long last, long total) {

    private static final Pattern RANGE = Pattern.compile("bytes[ ]+(\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)");
    private static final Pattern UNSATISFIED = Pattern.compile("bytes[ ]+\\*/(\\d{1,18})");

    /** Parses a header value strictly; returns null when it is not one of the two forms. */
    static ContentRange parse(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        Matcher m = RANGE.matcher(v);
        if (m.matches()) {
            long first = Long.parseLong(m.group(1));
            long last = Long.parseLong(m.group(2));
            long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            if (last < first || (total >= 0 && last >= total)) {
                return null;
            }
            return new ContentRange(first, last, total);
        }
        m = UNSATISFIED.matcher(v);
        if (m.matches()) {
            return new ContentRange(-1, -1, Long.parseLong(m.group(1)));
        }
        return null;
    }

    long length() {
        return last - first + 1;
    }

    @Override
    public String toString() {
        return "bytes " + (first < 0 ? "*" : first + "-" + last) + "/" + (total < 0 ? "*" : total);
    }
}
