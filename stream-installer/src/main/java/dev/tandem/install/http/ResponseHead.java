package dev.tandem.install.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The status line and header fields of one HTTP/1.x response, as {@link HttpConnection} read them within its
 * bounds ({@value HttpConnection#MAX_LINE} bytes a line, {@value HttpConnection#MAX_HEAD} bytes a head).
 * Header names compare case-insensitively; a field that occurs more than once answers its first value, except
 * where repeating it would change framing ({@link #framingConflict()}).
 */
record ResponseHead(int version, int status, String reason, List<String[]> fields) {

    /** {@link #version()} of HTTP/1.1 (the version is the minor number: 0 or 1). */
    static final int HTTP_1_1 = 1;

    /** The first value of {@code name}, or null. */
    String get(String name) {
        for (String[] f : fields) {
            if (f[0].equalsIgnoreCase(name)) {
                return f[1];
            }
        }
        return null;
    }

    boolean contains(String name) {
        return get(name) != null;
    }

    /** All values of {@code name}, in order. */
    List<String> getAll(String name) {
        List<String> values = new ArrayList<>();
        for (String[] f : fields) {
            if (f[0].equalsIgnoreCase(name)) {
                values.add(f[1]);
            }
        }
        return values;
    }

    /** Content-Length, or -1 when absent; {@link #framingConflict()} refuses malformed ones first. */
    long contentLength() {
        String v = get("Content-Length");
        return v == null ? -1 : Long.parseLong(v.trim());
    }

    /** Whether the body is sent in chunks (Transfer-Encoding ending in {@code chunked}). */
    boolean chunked() {
        List<String> te = getAll("Transfer-Encoding");
        if (te.isEmpty()) {
            return false;
        }
        String last = te.get(te.size() - 1);
        int comma = last.lastIndexOf(',');
        return last.substring(comma + 1).trim().equalsIgnoreCase("chunked");
    }

    /** Whether the connection may carry another request after this response. */
    boolean keepAlive() {
        String c = get("Connection");
        String v = c == null ? "" : c.toLowerCase(Locale.ROOT);
        if (v.contains("close")) {
            return false;
        }
        return version >= HTTP_1_1 || v.contains("keep-alive");
    }

    /** Whether this status never has a body (RFC 9112 §6.3). */
    boolean bodyless() {
        return status == 204 || status == 304 || status / 100 == 1;
    }

    /**
     * Why the body's length cannot be told safely, or null: a Transfer-Encoding other than chunked, Content-Length
     * next to chunked, or Content-Lengths that are not one non-negative decimal number. A response read on in such
     * a case could be split differently by the server and by this client (request smuggling's mirror image).
     */
    String framingConflict() {
        List<String> te = getAll("Transfer-Encoding");
        List<String> cl = getAll("Content-Length");
        if (!te.isEmpty()) {
            if (!chunked() || te.size() > 1 || te.get(0).contains(",")) {
                return "Transfer-Encoding " + te + " is not plain chunked";
            }
            if (!cl.isEmpty()) {
                return "Content-Length together with Transfer-Encoding chunked";
            }
            return null;
        }
        String first = null;
        for (String v : cl) {
            String t = v.trim();
            if (t.isEmpty() || t.length() > 18 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return "bad Content-Length " + HttpConnection.printable(v);
            }
            if (first != null && !first.equals(t)) {
                return "two Content-Lengths";
            }
            first = t;
        }
        return null;
    }
}
