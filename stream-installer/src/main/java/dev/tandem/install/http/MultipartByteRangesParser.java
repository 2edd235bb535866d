package dev.tandem.install.http;


import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Streaming parser of a {@code multipart/byteranges} body (RFC 9110 §14.6), fed in fragments of any size.
 *
 * <p>Strict where it matters for bytes: every part must carry a valid {@code Content-Range} whose total is the
 * bundle size, its body is exactly that many bytes, and each body must be followed by CRLF and the boundary
 * taken from the response's {@code Content-Type}. A wrong boundary, a missing or malformed Content-Range, or a
 * part longer than it says fails with {@link SourceException.Reason#PROTOCOL}. Lenient where it costs nothing:
 * a short preamble and epilogue (≤ 1 KiB each), bare LF line ends, transport padding after the boundary.
 * Whether each part is one the client asked for is the listener's decision.
 */
final class MultipartByteRangesParser {

    /** Receives the parts in the order the server sent them. */
    interface Listener {
        /** A part begins. */
        void part(ContentRange range) throws IOException;

        /** Bytes of the current part; {@code offset} is the absolute offset of {@code data}'s first readable byte. */
        void data(long offset, ByteBuffer data) throws IOException;
    }

    private static final int MAX_LINE = 1024;
    private static final int MAX_HEADERS = 8 * 1024;
    private static final int MAX_PREAMBLE = 1024;
    private static final int MAX_EPILOGUE = 1024;

    private enum State { PREAMBLE, HEADERS, BODY, BODY_END, DELIMITER, EPILOGUE }

    private final String delimiter;
    private final long totalSize;
    private final Listener listener;
    private final String context;
    private final StringBuilder line = new StringBuilder();
    private State state = State.PREAMBLE;
    private int sectionBytes;
    private ContentRange current;
    private long partRemaining;
    private long partOffset;
    private int parts;
    private boolean sawCr;

    /**
     * @param boundary  from the response's Content-Type
     * @param totalSize the bundle size every part's Content-Range must name, or -1 when not known yet
     */
    MultipartByteRangesParser(String boundary, long totalSize, Listener listener, String context) {
        this.delimiter = "--" + boundary;
        this.totalSize = totalSize;
        this.listener = listener;
        this.context = context;
    }

    /** Extracts the boundary parameter from a {@code multipart/byteranges} Content-Type, or null. */
    static String boundaryOf(String contentType) {
        if (contentType == null) {
            return null;
        }
        String[] parts = contentType.split(";");
        if (!parts[0].trim().toLowerCase(Locale.ROOT).equals("multipart/byteranges")) {
            return null;
        }
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase("boundary")) {
                String b = p.substring(eq + 1).trim();
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                return b.isEmpty() || b.length() > 70 ? null : b;
            }
        }
        return null;
    }

    /** Consumes all remaining bytes of {@code in} (a heap buffer). */
    void feed(ByteBuffer in) throws IOException {
        while (in.hasRemaining()) {
            if (state == State.BODY) {
                int n = (int) Math.min(partRemaining, in.remaining());
                ByteBuffer slice = in.slice(in.position(), n);
                in.position(in.position() + n);
                listener.data(partOffset, slice);
                partOffset += n;
                partRemaining -= n;
                if (partRemaining == 0) {
                    state = State.BODY_END;
                }
                continue;
            }
            if (state == State.EPILOGUE) {
                sectionBytes += in.remaining();
                in.position(in.limit());
                if (sectionBytes > MAX_EPILOGUE) {
                    throw fail("more than " + MAX_EPILOGUE + " bytes after the closing boundary");
                }
                continue;
            }
            byte b = in.get();
            sectionBytes++;
            if (b == '\n') {
                String l = line.toString();
                line.setLength(0);
                sawCr = false;
                onLine(l);
            } else {
                if (sawCr) {
                    throw fail("bare CR in part headers");
                }
                if (b == '\r') {
                    sawCr = true;
                } else {
                    if (line.length() >= MAX_LINE) {
                        throw fail("line longer than " + MAX_LINE + " bytes");
                    }
                    line.append((char) (b & 0xff));
                }
            }
            if (state == State.HEADERS && sectionBytes > MAX_HEADERS) {
                throw fail("part headers longer than " + MAX_HEADERS + " bytes");
            }
            if (state == State.PREAMBLE && sectionBytes > MAX_PREAMBLE) {
                throw fail("no boundary " + delimiter + " in the first " + MAX_PREAMBLE + " bytes");
            }
        }
    }

    /** The body ended: it must have ended after the closing boundary. */
    void finish() throws SourceException {
        if (state == State.PREAMBLE) {
            throw fail("no boundary " + delimiter + " in the body");
        }
        if (state != State.EPILOGUE) {
            throw fail("body ended inside the multipart structure (" + state.name().toLowerCase(Locale.ROOT)
                    + ", after " + parts + " parts)");
        }
    }

    private void onLine(String l) throws IOException {
        switch (state) {
            case PREAMBLE -> {
                if (isDelimiter(l, false)) {
                    startHeaders();
                } else if (isDelimiter(l, true)) {
                    throw fail("no parts");
                }
            }
            case HEADERS -> {
                if (!l.isEmpty()) {
                    int colon = l.indexOf(':');
                    if (colon <= 0) {
                        throw fail("malformed part header");
                    }
                    if (l.substring(0, colon).trim().equalsIgnoreCase("content-range")) {
                        if (current != null) {
                            throw fail("two Content-Range headers in one part");
                        }
                        current = ContentRange.parse(l.substring(colon + 1));
                        if (current == null || current.first() < 0) {
                            throw fail("bad part Content-Range: " + l.substring(colon + 1).trim());
                        }
                        if (totalSize >= 0 && current.total() != totalSize) {
                            throw fail("part " + current + " names a total other than " + totalSize);
                        }
                    }
                    return;
                }
                if (current == null) {
                    throw fail("part without Content-Range");
                }
                parts++;
                listener.part(current);
                partOffset = current.first();
                partRemaining = current.length();
                state = State.BODY;
                current = null;
            }
            case BODY_END -> {
                if (!l.isEmpty()) {
                    throw fail("part longer than its Content-Range");
                }
                state = State.DELIMITER;
            }
            case DELIMITER -> {
                if (isDelimiter(l, false)) {
                    startHeaders();
                } else if (isDelimiter(l, true)) {
                    state = State.EPILOGUE;
                    sectionBytes = 0;
                } else {
                    throw fail("expected boundary " + delimiter + " after a part");
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void startHeaders() {
        state = State.HEADERS;
        sectionBytes = 0;
        current = null;
    }

    private boolean isDelimiter(String l, boolean closing) {
        String d = closing ? delimiter + "--" : delimiter;
        if (!l.startsWith(d)) {
            return false;
        }
        // RFC 2046 transport padding: only linear white space may follow.
        for (int i = d.length(); i < l.length(); i++) {
            char c = l.charAt(i);
            if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    private SourceException fail(String what) {
        return new SourceException(SourceException.Reason.PROTOCOL, 0, context + ": multipart/byteranges: " + what,
                false, null);
    }
}
