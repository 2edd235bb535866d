package dev.tandem.serve;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A server's reading of a {@code Range} request header against a file of known size (RFC 9110 §14.1.2).
 * {@link #parse} returns null when the header is to be ignored (not {@code bytes=}, malformed, or more than
 * {@value #MAX_RANGES} ranges: the whole file is cheaper to describe than a range flood), and an empty list when
 * no range is satisfiable (416). Overlapping and adjacent ranges are merged and the result sorted (RFC 9110 §14.6
 * allows both), so that no request makes the server send a byte twice: 256 copies of {@code 0-} used to send the
 * file 256 times. The output is then at most the file plus {@value #MAX_RANGES} part headers.
 */
final class ByteRangeRequest {

    /** A resolved, satisfiable range: {@code first..last} inclusive. */
    record Span(long first, long last) {
        long length() {
            return last - first + 1;
        }
    }

    static final int MAX_RANGES = 256;

    private ByteRangeRequest() {
    }

    static List<Span> parse(String header, long size) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (!h.toLowerCase(Locale.ROOT).startsWith("bytes=")) {
            return null;
        }
        String[] specs = h.substring(6).split(",", -1);
        if (specs.length > MAX_RANGES) {
            return null;
        }
        List<Span> out = new ArrayList<>();
        for (String raw : specs) {
            String spec = raw.trim();
            int dash = spec.indexOf('-');
            if (dash < 0 || spec.indexOf('-', dash + 1) >= 0) {
                return null;
            }
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (!digits(a) && !a.isEmpty() || !digits(b) && !b.isEmpty() || a.isEmpty() && b.isEmpty()) {
                return null;
            }
            if (a.isEmpty()) {
                long n = Long.parseLong(b);
                if (n > 0 && size > 0) {
                    out.add(new Span(Math.max(0, size - n), size - 1));
                }
                continue;
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
            if (last < first) {
                return null;
            }
            if (first < size) {
                out.add(new Span(first, Math.min(last, size - 1)));
            }
        }
        return merged(out);
    }

    /** The spans sorted, overlapping or adjacent ones joined. */
    static List<Span> merged(List<Span> spans) {
        if (spans.size() < 2) {
            return spans;
        }
        List<Span> sorted = new ArrayList<>(spans);
        sorted.sort(Comparator.comparingLong(Span::first));
        List<Span> out = new ArrayList<>();
        Span cur = sorted.get(0);
        for (Span next : sorted.subList(1, sorted.size())) {
            if (next.first() <= cur.last() + 1) {
                cur = new Span(cur.first(), Math.max(cur.last(), next.last()));
            } else {
                out.add(cur);
                cur = next;
            }
        }
        out.add(cur);
        return out;
    }

    private static boolean digits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
