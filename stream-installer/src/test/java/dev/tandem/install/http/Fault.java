package dev.tandem.install.http;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One misbehaviour of a {@link FaultInjectingProxy}. Offsets called "file offsets" are absolute offsets in the
 * served file (the proxy reads them from Content-Range); "body bytes" count the bytes of one response body.
 * A fault applies to responses from request number {@link #fromRequest} on (1-based, counted per proxy) and
 * fires at most {@link #times} times; {@link #fired()} says how often it did.
 */
public final class Fault {

    /** What the proxy does. */
    public enum Kind {
        CUT_AFTER, RESET_AFTER, STALL_AFTER, FLIP_BYTE_AT, TRUNCATE_AT, CHANGE_FILE, IGNORE_RANGE,
        LIE_CONTENT_LENGTH, LIE_CONTENT_RANGE, LIE_TOTAL, WRONG_BOUNDARY, ENDLESS_BODY, REDIRECT, STATUS
    }

    final Kind kind;
    final long amount;
    final Duration duration;
    final String text;
    int fromRequest = 1;
    int times = Integer.MAX_VALUE;
    private final AtomicInteger fired = new AtomicInteger();

    private Fault(Kind kind, long amount, Duration duration, String text) {
        this.kind = kind;
        this.amount = amount;
        this.duration = duration;
        this.text = text;
    }

    /** Closes the connection (FIN) after forwarding {@code bodyBytes} of a response body. */
    public static Fault cutAfter(long bodyBytes) {
        return new Fault(Kind.CUT_AFTER, bodyBytes, null, null);
    }

    /** Resets the connection (RST, SO_LINGER 0) after forwarding {@code bodyBytes} of a response body. */
    public static Fault resetAfter(long bodyBytes) {
        return new Fault(Kind.RESET_AFTER, bodyBytes, null, null);
    }

    /** Sends nothing for {@code pause} after {@code bodyBytes} of a response body, then goes on. */
    public static Fault stallAfter(long bodyBytes, Duration pause) {
        return new Fault(Kind.STALL_AFTER, bodyBytes, pause, null);
    }

    /** Inverts the byte at file offset {@code offset} (not in multipart bodies). */
    public static Fault flipByteAt(long offset) {
        return new Fault(Kind.FLIP_BYTE_AT, offset, null, null);
    }

    /** Serves a shorter file: bodies stop at file offset {@code offset}, the connection closes, headers unchanged. */
    public static Fault truncateAt(long offset) {
        return new Fault(Kind.TRUNCATE_AT, offset, null, null);
    }

    /**
     * The file changes: responses carry another ETag and Last-Modified, and a request whose If-Range names the
     * old ETag gets the whole file (200), as a real server would answer for a replaced file.
     */
    public static Fault changeFile() {
        return new Fault(Kind.CHANGE_FILE, 0, null, null);
    }

    /** Drops Range and If-Range from requests: the origin answers 200 with the whole file. */
    public static Fault ignoreRange() {
        return new Fault(Kind.IGNORE_RANGE, 0, null, null);
    }

    /** Adds {@code delta} to Content-Length (the body is forwarded unchanged). */
    public static Fault lieContentLength(long delta) {
        return new Fault(Kind.LIE_CONTENT_LENGTH, delta, null, null);
    }

    /** Shifts Content-Range's first and last byte by {@code delta} (the body is forwarded unchanged). */
    public static Fault lieContentRange(long delta) {
        return new Fault(Kind.LIE_CONTENT_RANGE, delta, null, null);
    }

    /** Adds {@code delta} to the total of Content-Range. */
    public static Fault lieTotal(long delta) {
        return new Fault(Kind.LIE_TOTAL, delta, null, null);
    }

    /** Announces another boundary in a multipart Content-Type than the body uses. */
    public static Fault wrongBoundary() {
        return new Fault(Kind.WRONG_BOUNDARY, 0, null, null);
    }

    /** Drops Content-Length, sends the body chunked and never ends it (random bytes after the real ones). */
    public static Fault endlessBody() {
        return new Fault(Kind.ENDLESS_BODY, 0, null, null);
    }

    /** Answers {@code status} with {@code Location: location} without asking the origin. */
    public static Fault redirect(int status, String location) {
        return new Fault(Kind.REDIRECT, status, null, location);
    }

    /** Answers {@code status} with an empty body without asking the origin. */
    public static Fault status(int status) {
        return new Fault(Kind.STATUS, status, null, null);
    }

    /** Applies from the {@code n}-th request on (1-based). */
    public Fault fromRequest(int n) {
        this.fromRequest = n;
        return this;
    }

    /** Fires at most {@code n} times. */
    public Fault times(int n) {
        this.times = n;
        return this;
    }

    /** How often this fault fired. */
    public int fired() {
        return fired.get();
    }

    /** Whether the fault may act on the response to request {@code requestNumber}. */
    boolean armed(int requestNumber) {
        return requestNumber >= fromRequest && fired.get() < times;
    }

    /** Records one firing; false when the fault is used up. */
    boolean fire() {
        int f;
        do {
            f = fired.get();
            if (f >= times) {
                return false;
            }
        } while (!fired.compareAndSet(f, f + 1));
        return true;
    }

    @Override
    public String toString() {
        return kind + "(" + amount + (duration == null ? "" : ", " + duration) + (text == null ? "" : ", " + text)
                + ")";
    }
}
