package dev.tandem.install.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.time.Duration;

/**
 * The body of one response as it arrives, checked against the length the head announced: more bytes than
 * announced is a lie ({@code PROTOCOL}), fewer is a dropped transfer (retriable {@code NETWORK}, delivered
 * bytes stay valid). Holds at most one Netty buffer at a time.
 */
final class ResponseBody {

    /** Responses with at most this much left are read to the end to keep the connection; larger ones are cut. */
    static final long DRAIN_LIMIT = 64 * 1024;
    /**
     * How long such a drain may take: a server that trickles the last bytes (one per second) would otherwise hold
     * whoever gives the body up, a close included, for as long as it likes.
     */
    static final Duration DRAIN_TIME = Duration.ofSeconds(1);

    final HttpConnection connection;
    final String context;
    /** Absolute bundle offset of the first body byte, or -1 for a multipart body. */
    final long start;
    /** Exact body length when announced, else -1. */
    final long length;
    private final long cap;
    private final Duration stall;
    private long received;
    private HttpContent current;
    private boolean ended;
    private SourceException shortEnd;

    /**
     * @param length exact length announced by the head (Content-Length or Content-Range), or -1
     * @param cap    when {@code length} is unknown, the most bytes accepted (bundle size, multipart bound), or -1
     */
    ResponseBody(HttpConnection connection, String context, long start, long length, long cap, boolean keepAlive,
                 Duration stall) {
        this.connection = connection;
        this.context = context;
        this.start = start;
        this.length = length;
        this.cap = cap;
        this.stall = stall;
        if (!keepAlive) {
            connection.poison();
        }
    }

    /** Absolute offset just past this body's last byte, or {@link Long#MAX_VALUE} when not known. */
    long endOffset() {
        return start >= 0 && length >= 0 ? start + length : Long.MAX_VALUE;
    }

    /**
     * The next non-empty fragment, valid until the next call, or null at the end of the body. The caller may
     * consume it (move its reader index) but must not release it.
     */
    ByteBuf nextChunk() throws SourceException {
        return nextChunk(stall);
    }

    /** {@link #nextChunk()}, waiting at most {@code wait} for a fragment. */
    private ByteBuf nextChunk(Duration wait) throws SourceException {
        release();
        while (true) {
            if (shortEnd != null) {
                throw shortEnd;
            }
            if (ended) {
                return null;
            }
            HttpObject o = connection.next(wait);
            if (!(o instanceof HttpContent c)) {
                ReferenceCountUtil.release(o);
                connection.poison();
                throw new SourceException(SourceException.Reason.PROTOCOL, 0,
                        context + ": a new response started inside the body", false, null);
            }
            int n = c.content().readableBytes();
            long limit = length >= 0 ? length : cap;
            if (limit >= 0 && received + n > limit) {
                c.release();
                connection.poison();
                throw new SourceException(SourceException.Reason.PROTOCOL, 0, context + ": body longer than "
                        + limit + " bytes" + (length >= 0 ? " announced" : " expected"), false, null);
            }
            received += n;
            if (c instanceof LastHttpContent) {
                ended = true;
                if (length >= 0 && received < length) {
                    connection.poison();
                    shortEnd = SourceException.retriable(SourceException.Reason.NETWORK, 0,
                            context + ": response ended after " + received + " of " + length + " bytes", null);
                }
            }
            if (n > 0) {
                current = c;
                return c.content();
            }
            c.release();
        }
    }

    /** Copies up to {@code len} body bytes; -1 at the end of the body. */
    int read(byte[] b, int off, int len) throws SourceException {
        while (current == null || !current.content().isReadable()) {
            if (nextChunk() == null) {
                return -1;
            }
        }
        ByteBuf buf = current.content();
        int n = Math.min(len, buf.readableBytes());
        buf.readBytes(b, off, n);
        if (!buf.isReadable() && length >= 0 && received == length) {
            // All announced bytes are here: take the end marker now so the connection can carry the next request.
            finish();
        }
        return n;
    }

    /** Reads and drops {@code n} bytes (a server that ignored Range, or a short forward seek). */
    void skip(long n) throws SourceException {
        long left = n;
        while (left > 0) {
            if (current == null || !current.content().isReadable()) {
                if (nextChunk() == null) {
                    throw SourceException.retriable(SourceException.Reason.NETWORK, 0,
                            context + ": body ended while skipping", null);
                }
            }
            ByteBuf buf = current.content();
            int k = (int) Math.min(left, buf.readableBytes());
            buf.skipBytes(k);
            left -= k;
        }
    }

    /** Consumes the rest of the body, which must be empty (a server sending more fails as a liar). */
    void finish() throws SourceException {
        if (current != null && current.content().isReadable()) {
            throw new IllegalStateException("unread body bytes");
        }
        if (nextChunk() != null) {
            release();
            connection.poison();
            throw new SourceException(SourceException.Reason.PROTOCOL, 0,
                    context + ": body longer than announced", false, null);
        }
    }

    boolean isEnded() {
        return ended && (current == null || !current.content().isReadable());
    }

    long received() {
        return received;
    }

    /**
     * Gives the body up: a nearly finished one is read to the end to keep the connection, anything else closes
     * the connection (cheaper than downloading the rest).
     */
    void abandon() {
        release();
        if (ended) {
            return;
        }
        if (length >= 0 && length - received <= DRAIN_LIMIT) {
            long deadline = System.nanoTime() + DRAIN_TIME.toNanos();
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    if (nextChunk(Duration.ofNanos(Math.min(left, stall.toNanos()))) == null) {
                        return;
                    }
                    release();
                }
            } catch (SourceException e) {
                // fall through: the connection is no good
            }
        }
        release();
        connection.poison();
        connection.close();
    }

    /** Releases the fragment held, if any. */
    void release() {
        if (current != null) {
            current.release();
            current = null;
        }
    }
}
