package dev.tandem.install.http;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.VerificationException;
import dev.tandem.install.http.BundleClient.Response;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bundle at an http(s) URL, read with bounded memory over one keep-alive connection (ARCHITECTURE.md §4 "HTTP").
 *
 * <p><b>Streaming in windows.</b> {@link #read} consumes bounded {@code Range} requests, never an open-ended one:
 * a response the reader leaves behind has already filled socket buffers (megabytes) that the server sent and
 * the client never counts. Each request asks for what the reader said it reads next ({@link #willRead}); without
 * such a hint, for a window that starts at {@value #RAMP_START} bytes (the first request: the bundle's header)
 * and doubles while the reader reads on, up to {@value #RAMP_MAX}. The reading thread reads the socket itself, into
 * its own array ({@link HttpConnection}): nothing is read ahead of the reader, so memory stays bounded whatever the
 * bundle size, and TCP's flow control is the backpressure. The first response fixes the bundle's identity: its
 * size (Content-Length or Content-Range total), its validator (ETag, else Last-Modified) and whether Range works
 * ({@code Accept-Ranges: bytes} or a 206).
 *
 * <p><b>Resume.</b> A dropped connection, a stall, 408/429/5xx are retried with exponential backoff and equal
 * jitter and continued by Range from the current position with {@code If-Range}. A later answer whose identity
 * differs fails with {@link SourceException.Reason#CHANGED}: a 200 to an If-Range carrying another validator is
 * exactly that. A 200 whose validators still match means the server ignored Range: the source then re-reads
 * from the start and discards up to {@value #DISCARD_LIMIT} bytes, and fails with
 * {@link SourceException.Reason#RANGE_UNSUPPORTED} beyond that (re-downloading more than the 4 MiB per
 * interruption is not worth hiding). Answers for other bytes than asked (Content-Range, lengths, totals, bodies
 * longer than announced) fail with {@link SourceException.Reason#PROTOCOL}: bytes are never delivered at a wrong
 * offset. What HTTP cannot see is left to the bundle reader's signed hashes and sizes: a byte flipped on the way
 * (without TLS), a file replaced by one of the same size on a server without validators, or a first response
 * that lies about its own length.
 *
 * <p><b>Ranges.</b> {@link #readRanges} asks for up to {@link HttpOptions#maxRangesPerRequest()} ranges as parts of
 * one multi-range request, fetching a gap between two only when it is cheaper than a part's header
 * ({@link HttpOptions#mergeGapBytes()}), and copes with servers that coalesce, reorder or refuse them
 * ({@link MultiRangeReader}).
 *
 * <p><b>Trust.</b> Configured headers and the client certificate go only to the configured origin (scheme, host,
 * port); redirects (at most {@value BundleClient#MAX_REDIRECTS}) to another origin go without them, https to
 * http is refused ({@link BundleClient}). {@link #name()} and all messages show URLs without user info, query or
 * fragment.
 *
 * <p>Not thread-safe: one reader thread, as for every {@link BundleSource}.
 */
public final class HttpSource implements BundleSource {

    /**
     * A forward {@link #seek} within the open response reads through up to this many bytes rather than dropping
     * it: they are on their way already, and a dropped response leaves socket buffers of them uncounted.
     */
    static final long SKIP_LIMIT = 256 * 1024;

    /** A server that ignores Range is re-read from the start for a resume only below this offset. */
    public static final long DISCARD_LIMIT = 4L * 1024 * 1024;


    /**
     * Without a hint from the reader, requests ask for windows that start at this size (at the start and after a
     * jump) and double while the reader keeps reading on. A window the reader leaves has at most this much left
     * when it is small, and a body with that little left is read to its end ({@link ResponseBody#DRAIN_LIMIT}),
     * so the bytes are counted instead of lost in socket buffers.
     */
    static final long RAMP_START = 64 * 1024;
    /** The largest window: large enough that requests cost nothing next to the bytes. */
    static final long RAMP_MAX = 16L * 1024 * 1024;

    private static final System.Logger LOG = System.getLogger(HttpSource.class.getName());

    private enum RangeSupport { UNKNOWN, YES, NO }

    private final String name;
    private final HttpOptions options;
    private final RateLimiter limiter;
    private final AtomicLong received = new AtomicLong();
    private final BundleClient client;

    private ResponseBody body;
    private boolean learned;
    private long size = -1;
    private String etag;
    private String lastModified;
    private RangeSupport ranges = RangeSupport.UNKNOWN;
    private boolean multiRange = true;
    private long position;
    /** Size of the next request's window when the reader gave no hint. */
    private long window = RAMP_START;
    /** Where the reader said its sequential reading ends ({@link #willRead}); -1 when it did not say. */
    private long readEnd = -1;
    private boolean closed;

    private HttpSource(URI url, HttpOptions options) {
        this.name = BundleClient.display(url);
        this.options = options;
        this.limiter = new RateLimiter(options.maxRateBytesPerSecond());
        this.client = new BundleClient(url, options, received);
    }

    /**
     * Opens {@code url} (http or https): sends the first GET, learns size, validator and Range support, and keeps
     * the body ready for the first {@link #read}.
     */
    public static HttpSource open(URI url, HttpOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL: " + BundleClient.display(url));
        }
        HttpSource s = new HttpSource(url.normalize(), options);
        try {
            s.body = s.withRetries(() -> s.openStream(0));
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public OptionalLong size() {
        return size >= 0 ? OptionalLong.of(size) : OptionalLong.empty();
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public boolean canSeekBackward() {
        return ranges == RangeSupport.YES;
    }

    @Override
    public long bytesReceived() {
        return received.get();
    }

    /** GET requests sent so far, redirects and retries included (the request budget counts these). */
    public int requestsSent() {
        return client.requestsSent();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len == 0) {
            return 0;
        }
        int failures = 0;
        while (true) {
            if (size >= 0 && position >= size) {
                return -1;
            }
            try {
                if (body == null) {
                    body = openStream(position);
                }
                int n = body.read(b, off, len);
                if (n > 0) {
                    position += n;
                    limiter.acquire(n);
                    return n;
                }
                body = null;
                if (size < 0) {
                    size = position; // a body of unknown length ended: that is the end of the bundle
                    return -1;
                }
                // A 206 that stopped short of the end: the next loop asks for the rest.
            } catch (SourceException e) {
                failures = retryOrGiveUp(e, failures);
            }
        }
    }

    @Override
    public void seek(long offset) throws IOException {
        ensureOpen();
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        if (size >= 0 && offset > size) {
            throw truncated(name + ": seek to " + offset + " beyond the end (" + size + " bytes)");
        }
        if (offset == position) {
            return;
        }
        long ahead = offset - position;
        boolean cheapSkip = body != null && ahead > 0 && ahead <= SKIP_LIMIT
                && offset <= body.endOffset();
        if (cheapSkip || (ahead > 0 && ranges == RangeSupport.NO)) {
            // Reading a little (or, without Range, reading at all) beats another request.
            skipForward(ahead);
            return;
        }
        if (ahead < 0 && ranges == RangeSupport.NO && offset > DISCARD_LIMIT) {
            throw new SourceException(SourceException.Reason.RANGE_UNSUPPORTED,
                    name + ": cannot seek back to " + offset + ": the server does not support Range requests");
        }
        dropBody();
        position = offset;
        window = RAMP_START;
        readEnd = -1;
    }

    @Override
    public void willRead(long end) {
        readEnd = end > position ? end : -1;
    }

    private void skipForward(long n) throws IOException {
        byte[] scratch = new byte[(int) Math.min(64 * 1024, n)];
        long left = n;
        while (left > 0) {
            int k = read(scratch, 0, (int) Math.min(scratch.length, left));
            if (k < 0) {
                throw truncated(name + ": ends before " + (position + left));
            }
            left -= k;
        }
    }

    @Override
    public void readRanges(List<ByteRange> wanted, RangeSink sink) throws IOException {
        ensureOpen();
        long last = -1;
        for (ByteRange r : wanted) {
            if (r.offset() < last) {
                throw new IllegalArgumentException("ranges not ascending or overlapping at " + r.offset());
            }
            last = r.end();
        }
        if (wanted.isEmpty()) {
            return;
        }
        if (size >= 0 && last > size) {
            throw truncated(name + ": range ends at " + last + ", beyond the end (" + size + " bytes)");
        }
        if (ranges == RangeSupport.NO || (wanted.size() == 1 && body != null && wanted.get(0).offset() == position)) {
            // One range that continues the open response (a full download after the header): keep reading it,
            // instead of dropping it for a new request whose bytes the server would send again.
            readEnd = wanted.get(0).end();
            BundleSource.super.readRanges(wanted, sink);
            return;
        }
        dropBody();
        window = RAMP_START;
        readEnd = -1;
        new MultiRangeReader(this, wanted, sink).run();
    }

    /**
     * The bundle the server serves is shorter than its own tar headers say: a malformed bundle (exit code 3),
     * like a short local file, not an I/O failure to retry.
     */
    private static VerificationException truncated(String what) {
        return new VerificationException(VerificationException.Kind.CONTAINER, "bundle is truncated: " + what);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        dropBody();
        client.close();
    }

    /** Opens a stream of the bundle from {@code pos}: a window of it, or (without Range) all of it. */
    private ResponseBody openStream(long pos) throws SourceException {
        boolean useRange = ranges != RangeSupport.NO;
        if (pos > 0 && !useRange && pos > DISCARD_LIMIT) {
            throw new SourceException(SourceException.Reason.RANGE_UNSUPPORTED, name
                    + ": the server ignores Range; resuming at " + pos + " would re-download more than "
                    + DISCARD_LIMIT + " bytes");
        }
        String range = null;
        if (useRange) {
            long end = readEnd > pos ? readEnd : pos + window;
            if (readEnd <= pos) {
                window = Math.min(window * 2, RAMP_MAX);
            }
            long last = (size >= 0 ? Math.min(size, end) : end) - 1;
            range = "bytes=" + pos + "-" + last;
        }
        Response r = client.request(range, range == null ? null : validator());
        int st = r.status();
        ResponseHead h = r.head();
        if (st == 416 && !learned && pos == 0) {
            // An empty file cannot satisfy the first window: ask for it whole, and let the reader see it is empty.
            abandonResponse(r);
            r = client.request(null, null);
            st = r.status();
            h = r.head();
        }
        if (st == 206) {
            if (MultipartByteRangesParser.boundaryOf(h.get("Content-Type")) != null) {
                throw protocol(r, "multipart answer to a single range");
            }
            ContentRange cr = ContentRange.parse(h.get("Content-Range"));
            if (cr == null || cr.first() < 0) {
                throw protocol(r, "206 without a valid Content-Range (" + shown(h.get("Content-Range")) + ")");
            }
            checkIdentity(r, cr.total());
            if (!learned) {
                learn(r, cr.total());
            }
            if (cr.first() != pos) {
                throw protocol(r, "answered " + cr + " to " + range);
            }
            checkContentLength(r, cr.length());
            ranges = RangeSupport.YES;
            return new ResponseBody(r.connection(), r.context(), pos, cr.length(), -1, options.stallTimeout());
        }
        if (st == 200) {
            long len = r.head().contentLength();
            checkIdentity(r, len);
            if (!learned) {
                learn(r, len);
            }
            ResponseBody b = new ResponseBody(r.connection(), r.context(), 0, len, size, options.stallTimeout());
            if (pos > 0) {
                // Same bundle (validators matched), but the whole of it: the server ignores Range.
                if (range != null) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: server ignored Range; re-reading {1} bytes",
                            name, pos);
                }
                ranges = RangeSupport.NO;
                if (pos > DISCARD_LIMIT) {
                    b.abandon();
                    throw new SourceException(SourceException.Reason.RANGE_UNSUPPORTED, r.context()
                            + ": the server ignores Range; resuming at " + pos + " would re-download more than "
                            + DISCARD_LIMIT + " bytes");
                }
                b.skip(pos);
            }
            return b;
        }
        throw statusFailure(r);
    }

    /** Records what the first response says about the bundle. */
    private void learn(Response r, long total) {
        learned = true;
        size = total;
        etag = r.head().get("ETag");
        lastModified = r.head().get("Last-Modified");
        if (r.status() == 206) {
            ranges = RangeSupport.YES;
        } else {
            String ar = r.head().get("Accept-Ranges");
            if (ar != null) {
                ranges = ar.toLowerCase(Locale.ROOT).contains("bytes") ? RangeSupport.YES : RangeSupport.NO;
            }
        }
    }

    /**
     * Fails with CHANGED when a validator differs from the first response; with a total of another size under the
     * same strong ETag the server is lying (PROTOCOL). Without validators, a different size means CHANGED.
     */
    void checkIdentity(Response r, long total) throws SourceException {
        if (!learned) {
            return;
        }
        String et = r.head().get("ETag");
        String lm = r.head().get("Last-Modified");
        if (etag != null && et != null && !etag.equals(et)) {
            throw changed(r, "ETag " + shown(etag) + " is now " + shown(et));
        }
        if (etag == null && lastModified != null && lm != null && !lastModified.equals(lm)) {
            throw changed(r, "Last-Modified " + shown(lastModified) + " is now " + shown(lm));
        }
        if (size >= 0 && total >= 0 && total != size) {
            if (etag != null && etag.equals(et)) {
                throw protocol(r, "total size " + total + " under the same ETag as size " + size);
            }
            throw changed(r, "size " + size + " is now " + total);
        }
    }

    /** A header value of the server's in a message: at most 100 characters. */
    private static String shown(String value) {
        return value == null ? null : HttpConnection.printable(value);
    }

    private SourceException changed(Response r, String what) {
        abandonResponse(r);
        return new SourceException(SourceException.Reason.CHANGED, r.context()
                + ": bundle changed on the server since the download started (" + what + ")");
    }

    SourceException protocol(Response r, String what) {
        abandonResponse(r);
        return new SourceException(SourceException.Reason.PROTOCOL, r.context() + ": " + what);
    }

    void checkContentLength(Response r, long expected) throws SourceException {
        long cl = r.head().contentLength();
        if (cl >= 0 && cl != expected) {
            throw protocol(r, "Content-Length " + cl + " does not match Content-Range length " + expected);
        }
    }

    /** Maps a final status to a failure: 404/410 NOT_FOUND; 408, 429, 5xx retriable; the rest final. */
    SourceException statusFailure(Response r) {
        abandonResponse(r);
        int st = r.status();
        String msg = r.context() + ": " + st + " " + r.head().reason();
        if (st == 416) {
            ContentRange cr = ContentRange.parse(r.head().get("Content-Range"));
            if (cr != null && size >= 0 && cr.total() != size) {
                return new SourceException(SourceException.Reason.CHANGED, 416, msg
                        + ": bundle changed on the server since the download started (size " + size + " is now "
                        + cr.total() + ")", false, null);
            }
            return new SourceException(SourceException.Reason.PROTOCOL, 416, msg, false, null);
        }
        if (st == 404 || st == 410) {
            return new SourceException(SourceException.Reason.NOT_FOUND, st, msg, false, null);
        }
        if (st == 429) {
            return SourceException.retriable(SourceException.Reason.TOO_MANY_REQUESTS, st, msg, null);
        }
        if (st == 408 || st == 500 || st == 502 || st == 503 || st == 504) {
            return SourceException.retriable(SourceException.Reason.HTTP_STATUS, st, msg, null);
        }
        return new SourceException(SourceException.Reason.HTTP_STATUS, st, msg, false, null);
    }

    /** Drops the body of a response that will not be read (closes the connection unless it is tiny). */
    private void abandonResponse(Response r) {
        r.abandon(options.stallTimeout());
    }

    /**
     * Sends one GET (following redirects) for {@code range}, with {@code If-Range} naming the bundle's validator:
     * its strong ETag, else its Last-Modified (a weak ETag may not be used in If-Range).
     */
    Response request(String range) throws SourceException {
        return client.request(range, validator());
    }

    private String validator() {
        return etag != null && !etag.startsWith("W/") ? etag : lastModified;
    }

    // ---- retries --------------------------------------------------------------------------------------------

    /** An operation that may be retried as a whole. */
    @FunctionalInterface
    interface Attempt<T> {
        T run() throws SourceException;
    }

    <T> T withRetries(Attempt<T> attempt) throws IOException {
        int failures = 0;
        while (true) {
            try {
                return attempt.run();
            } catch (SourceException e) {
                failures = retryOrGiveUp(e, failures);
            }
        }
    }

    /**
     * After attempt {@code failures + 1} failed with {@code e}: drops the body and waits for the retry, or gives up
     * when {@code e} is not retriable or the retries are spent. Returns the failures so far.
     */
    private int retryOrGiveUp(SourceException e, int failures) throws IOException {
        dropBody();
        if (!e.isRetriable() || failures >= options.retries()) {
            throw e.gaveUp(failures + 1);
        }
        backoff(failures + 1, e);
        return failures + 1;
    }

    /** Sleeps before attempt {@code failures + 1}: base · 2^(failures-1), capped, with equal jitter. */
    void backoff(int failures, SourceException why) throws InterruptedIOException {
        long base = options.backoffBase().toNanos();
        long max = options.backoffMax().toNanos();
        long delay = base;
        for (int i = 1; i < failures && delay < max; i++) {
            delay *= 2;
        }
        delay = Math.min(delay, max);
        long sleep = delay / 2 + (delay > 1 ? ThreadLocalRandom.current().nextLong(delay / 2 + 1) : 0);
        LOG.log(System.Logger.Level.WARNING, "{0}; retry {1}/{2} in {3} ms", why.getMessage(), failures,
                options.retries(), sleep / 1_000_000);
        try {
            TimeUnit.NANOSECONDS.sleep(sleep);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(name + ": interrupted during backoff");
        }
    }

    /** Gives up the current streaming body (position stays). */
    void dropBody() {
        if (body != null) {
            body.abandon();
            body = null;
        }
    }

    // ---- state shared with MultiRangeReader -----------------------------------------------------------------

    HttpOptions options() {
        return options;
    }

    long knownSize() {
        return size;
    }

    boolean multiRangeAllowed() {
        return multiRange;
    }

    void disableMultiRange() {
        if (multiRange) {
            LOG.log(System.Logger.Level.INFO, "{0}: server does not answer multi-range requests; one range per request",
                    name);
        }
        multiRange = false;
    }

    void markRangesSupported() {
        ranges = RangeSupport.YES;
    }

    void markRangesUnsupported() {
        ranges = RangeSupport.NO;
    }

    RateLimiter limiter() {
        return limiter;
    }

    ResponseBody bodyOf(Response r, long start, long length, long cap) {
        return new ResponseBody(r.connection(), r.context(), start, length, cap, options.stallTimeout());
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException(name + ": closed");
        }
    }

}
