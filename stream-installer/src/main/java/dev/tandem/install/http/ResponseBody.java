package dev.tandem.install.http;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The body of one response as it arrives, checked against the length the head announced: more bytes than
 * announced is a lie ({@code PROTOCOL}), fewer is a dropped transfer (retriable {@code NETWORK}, delivered
 * bytes stay valid). Never reads past the announced length, or past {@code cap} when none was announced, by more
 * than the one byte that proves the lie.
 */
final class ResponseBody {

    /** Responses with at most this much left are read to the end to keep the connection; larger ones are cut. */
    static final long DRAIN_LIMIT = 64 * 1024;
    /**
     * How long such a drain may take: a server that trickles the last bytes (one per second) would otherwise hold
     * whoever gives the body up, a close included, for as long as it likes.
     */
    static final Duration DRAIN_TIME = Duration.ofSeconds(1);
    /**
     * The most bytes {@link #nextChunk} hands over at once, and so the most one socket read asks for. A timed read
     * of the JDK's socket switches the socket to non-blocking and back (four fcntl calls) around every read: at
     * 64 KiB a 1 GiB download took 17,900 reads and 66,800 fcntl calls, at 1 MiB 2,500 and 5,500 (loopback, nginx;
     * 6 runs each: 4.25 -> 3.75 CPU-s, 2.84 -> 2.58 s median for the whole install).
     */
    static final int FRAGMENT = 1024 * 1024;

    final HttpConnection connection;
    final String context;
    /** Absolute bundle offset of the first body byte, or -1 for a multipart body. */
    final long start;
    /** Exact body length when announced, else -1. */
    final long length;
    private final long cap;
    private final Duration stall;
    private long received;
    private boolean ended;
    private byte[] fragment;

    /**
     * @param length exact length announced by the head (Content-Length or Content-Range), or -1
     * @param cap    when {@code length} is unknown, the most bytes accepted (bundle size, multipart bound), or -1
     */
    ResponseBody(HttpConnection connection, String context, long start, long length, long cap, Duration stall) {
        this.connection = connection;
        this.context = context;
        this.start = start;
        this.length = length;
        this.cap = cap;
        this.stall = stall;
    }

    /** Absolute offset just past this body's last byte, or {@link Long#MAX_VALUE} when not known. */
    long endOffset() {
        return start >= 0 && length >= 0 ? start + length : Long.MAX_VALUE;
    }

    /** The next bytes of the body in a buffer valid until the next call, or null at the end of the body. */
    ByteBuffer nextChunk() throws SourceException {
        if (fragment == null) {
            // A small range's body needs no more than its own length.
            long limit = limit();
            fragment = new byte[(int) (limit >= 0 ? Math.max(1, Math.min(FRAGMENT, limit - received)) : FRAGMENT)];
        }
        int n = read(fragment, 0, fragment.length);
        return n < 0 ? null : ByteBuffer.wrap(fragment, 0, n);
    }

    /** Reads up to {@code len} (at least 1) body bytes; -1 at the end of the body. */
    int read(byte[] b, int off, int len) throws SourceException {
        if (ended) {
            return -1;
        }
        long limit = limit();
        if (limit >= 0 && received == limit) {
            finish();
            return -1;
        }
        int want = limit >= 0 ? (int) Math.min(len, limit - received) : len;
        int n = connection.readBody(b, off, want, stall);
        if (n < 0) {
            ended = true;
            if (length >= 0 && received < length) {
                connection.poison();
                throw SourceException.retriable(SourceException.Reason.NETWORK, 0,
                        context + ": response ended after " + received + " of " + length + " bytes", null);
            }
            return -1;
        }
        received += n;
        if (length >= 0 && received == length && connection.bodyFramed()) {
            // All announced bytes are here: take the body's end now so the connection can carry the next request.
            finish();
        }
        return n;
    }

    private long limit() {
        return length >= 0 ? length : cap;
    }

    /** Reads and drops {@code n} bytes (a server that ignored Range, or a short forward seek). */
    void skip(long n) throws SourceException {
        byte[] scratch = new byte[(int) Math.min(FRAGMENT, Math.max(1, n))];
        long left = n;
        while (left > 0) {
            int k = read(scratch, 0, (int) Math.min(left, scratch.length));
            if (k < 0) {
                throw SourceException.retriable(SourceException.Reason.NETWORK, 0,
                        context + ": body ended while skipping", null);
            }
            left -= k;
        }
    }

    /** Consumes the end of the body, which must come now (a server sending more fails as a liar). */
    private void finish() throws SourceException {
        ended = true;
        if (connection.readBody(new byte[1], 0, 1, stall) >= 0) {
            connection.poison();
            throw new SourceException(SourceException.Reason.PROTOCOL, 0, context + ": body longer than "
                    + limit() + " bytes" + (length >= 0 ? " announced" : " expected"), false, null);
        }
    }

    boolean isEnded() {
        return ended;
    }

    long received() {
        return received;
    }

    /**
     * Gives the body up: a nearly finished one is read to the end to keep the connection, anything else closes
     * the connection (cheaper than downloading the rest).
     */
    void abandon() {
        if (ended || connection.bodyEnded()) {
            ended = true;
            return;
        }
        ended = true;
        if (length >= 0 && length - received <= DRAIN_LIMIT && connection.bodyFramed()) {
            long deadline = System.nanoTime() + DRAIN_TIME.toNanos();
            byte[] sink = new byte[8192];
            long drained = 0;
            try {
                // Bounded in time and in bytes: a chunked body may carry more than its Content-Range said.
                while (drained <= DRAIN_LIMIT) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    Duration wait = Duration.ofNanos(Math.min(left, stall.toNanos()));
                    int n = connection.readBody(sink, 0, sink.length, wait);
                    if (n < 0) {
                        return;
                    }
                    drained += n;
                }
            } catch (SourceException e) {
                // fall through: the connection is no good
            }
        }
        connection.poison();
        connection.close();
    }
}
