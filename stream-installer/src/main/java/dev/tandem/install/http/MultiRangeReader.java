package dev.tandem.install.http;

import dev.tandem.bundle.BundleSource.ByteRange;
import dev.tandem.bundle.BundleSource.RangeSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One {@link HttpSource#readRanges} call: fetches the wanted ranges with as few requests as the server allows
 * and hands their bytes, only theirs, to the sink in ascending order.
 *
 * <p>Plan: wanted ranges whose gap is at most {@link HttpOptions#mergeGapBytes()} (by default
 * {@value #PART_HEADER_BYTES}: where fetching the gap is cheaper than a part's header) are fetched as one span;
 * up to {@link HttpOptions#maxRangesPerRequest()} spans, and a Range header under {@value #MAX_HEADER} chars
 * (well below the 8 KiB header line nginx and Apache accept), go in one multi-range request. Bookkeeping is a
 * queue of what is still wanted, the first entry possibly half delivered; a byte is delivered only when it is the
 * next wanted byte. So whatever the server does — answer every span as a part, coalesce several into one 206,
 * send parts out of order, stop half-way, drop the connection — the sink sees each wanted byte exactly once, in
 * order, and anything not delivered is simply asked for again. Each part must start at a span start and end at a
 * span end of its request (coalescing allowed), and a response has at most as many parts as its request has
 * spans, otherwise the server is lying ({@code PROTOCOL}). A round that delivers nothing switches to one range per
 * request, and so do parts that arrive out of order (the skipped ones are asked again rather than buffered); if
 * even one range per request delivers nothing, the server is broken ({@code PROTOCOL}). A 200 to a multi-range
 * request switches to one range per request; a 200 to a single range means Range is not supported, and that
 * response is read through once, delivering every wanted range from it.
 */
final class MultiRangeReader {

    static final int MAX_HEADER = 4000;
    /**
     * Below what a part's header costs: nginx's and tandem serve's (boundary, Content-Type, Content-Range) are
     * 110-120 bytes for a bundle of megabytes, so a gap of at most this many bytes is cheaper fetched than skipped.
     */
    static final int PART_HEADER_BYTES = 100;

    private final HttpSource source;
    private final RangeSink sink;
    private final Deque<long[]> pending = new ArrayDeque<>();
    private long delivered;

    MultiRangeReader(HttpSource source, List<ByteRange> wanted, RangeSink sink) {
        this.source = source;
        this.sink = sink;
        for (ByteRange r : wanted) {
            pending.add(new long[] {r.offset(), r.end()});
        }
    }

    void run() throws IOException {
        int failures = 0;
        long deliveredAtFailure = 0;
        while (!pending.isEmpty()) {
            List<long[]> spans = plan();
            long before = delivered;
            boolean multi = spans.size() > 1;
            try {
                fetch(spans);
            } catch (SourceException e) {
                source.dropBody();
                if (!e.isRetriable()) {
                    throw e;
                }
                if (delivered > deliveredAtFailure) {
                    failures = 0;
                }
                deliveredAtFailure = delivered;
                if (failures >= source.options().retries()) {
                    throw e.gaveUp(failures + 1);
                }
                failures++;
                source.backoff(failures, e);
                continue;
            }
            if (delivered == before && !pending.isEmpty()) {
                if (multi || source.multiRangeAllowed()) {
                    source.disableMultiRange();
                    continue;
                }
                throw new SourceException(SourceException.Reason.PROTOCOL, source.name()
                        + ": the server's answers do not contain the requested bytes");
            }
        }
    }

    /** The spans of the next request, from the front of the pending queue. */
    private List<long[]> plan() {
        List<long[]> spans = new ArrayList<>();
        long gap = source.options().mergeGapBytes();
        int max = source.multiRangeAllowed() ? source.options().maxRangesPerRequest() : 1;
        int headerLength = "bytes=".length();
        long[] cur = null;
        for (long[] p : pending) {
            if (cur != null && p[0] - cur[1] <= gap) {
                headerLength += digits(p[1] - 1) - digits(cur[1] - 1);
                cur[1] = p[1];
                continue;
            }
            int piece = digits(p[0]) + 1 + digits(p[1] - 1) + 1;
            if (cur != null && (spans.size() >= max || headerLength + piece > MAX_HEADER)) {
                break;
            }
            cur = new long[] {p[0], p[1]};
            spans.add(cur);
            headerLength += piece;
        }
        return spans;
    }

    private void fetch(List<long[]> spans) throws IOException {
        StringBuilder header = new StringBuilder("bytes=");
        Set<Long> starts = new HashSet<>();
        Set<Long> ends = new HashSet<>();
        long spanBytes = 0;
        for (long[] s : spans) {
            if (header.length() > 6) {
                header.append(',');
            }
            header.append(s[0]).append('-').append(s[1] - 1);
            starts.add(s[0]);
            ends.add(s[1]);
            spanBytes += s[1] - s[0];
        }
        BundleClient.Response r = source.request(header.toString());
        int st = r.status();
        if (st == 206) {
            source.markRangesSupported();
            String boundary = MultipartByteRangesParser.boundaryOf(r.head().get("Content-Type"));
            if (boundary != null) {
                source.checkIdentity(r, -1);
                // Parts add their headers; 1 KiB per part plus the closing boundary is far more than any server sends.
                long cap = spanBytes + 1024L * (spans.size() + 2);
                long cl = r.head().contentLength();
                if (cl > cap) {
                    throw source.protocol(r, "multipart body of " + cl + " bytes for " + spanBytes + " bytes asked");
                }
                readMultipart(source.bodyOf(r, -1, cl, cap), boundary, starts, ends, spans.size());
                return;
            }
            if (r.head().contains("Content-Type")
                    && r.head().get("Content-Type").toLowerCase().startsWith("multipart/")) {
                throw source.protocol(r, "multipart answer without a usable boundary");
            }
            ContentRange cr = ContentRange.parse(r.head().get("Content-Range"));
            if (cr == null || cr.first() < 0) {
                throw source.protocol(r, "206 without a valid Content-Range");
            }
            source.checkIdentity(r, cr.total());
            checkAsked(r, cr, starts, ends, header);
            source.checkContentLength(r, cr.length());
            readPlain(source.bodyOf(r, cr.first(), cr.length(), -1));
            return;
        }
        if (st == 200) {
            long len = r.head().contentLength();
            source.checkIdentity(r, len);
            ResponseBody body = source.bodyOf(r, 0, len, source.knownSize());
            if (spans.size() > 1) {
                body.abandon();
                source.disableMultiRange();
                return;
            }
            // Range is not honoured at all: this one full body serves every wanted range.
            source.markRangesUnsupported();
            readPlain(body);
            return;
        }
        throw source.statusFailure(r);
    }

    private void checkAsked(BundleClient.Response r, ContentRange cr, Set<Long> starts, Set<Long> ends,
                            CharSequence asked) throws SourceException {
        if (!starts.contains(cr.first()) || !ends.contains(cr.last() + 1)) {
            throw source.protocol(r, "answered " + cr + ", which was not asked (" + abbreviate(asked) + ")");
        }
    }

    private void readPlain(ResponseBody body) throws IOException {
        long offset = body.start;
        try {
            ByteBuffer chunk;
            while (!pending.isEmpty() && (chunk = body.nextChunk()) != null) {
                int n = chunk.remaining();
                offer(offset, chunk);
                offset += n;
            }
        } finally {
            if (!body.isEnded()) {
                body.abandon();
            }
        }
    }

    private void readMultipart(ResponseBody body, String boundary, Set<Long> starts, Set<Long> ends, int asked)
            throws IOException {
        String context = body.context;
        long[] lastPart = {-1};
        int[] parts = {0};
        boolean[] outOfOrder = {false};
        MultipartByteRangesParser parser = new MultipartByteRangesParser(boundary, source.knownSize(),
                new MultipartByteRangesParser.Listener() {
                    @Override
                    public void part(ContentRange range) throws SourceException {
                        if (!starts.contains(range.first()) || !ends.contains(range.last() + 1)) {
                            throw new SourceException(SourceException.Reason.PROTOCOL, context + ": part " + range
                                    + " was not asked");
                        }
                        if (++parts[0] > asked) {
                            throw new SourceException(SourceException.Reason.PROTOCOL, context + ": more than "
                                    + asked + " parts for " + asked + " ranges asked");
                        }
                        outOfOrder[0] |= range.first() < lastPart[0];
                        lastPart[0] = range.first();
                    }

                    @Override
                    public void data(long offset, ByteBuffer data) throws IOException {
                        offer(offset, data);
                    }
                }, context);
        boolean ok = false;
        try {
            ByteBuffer chunk;
            while ((chunk = body.nextChunk()) != null) {
                parser.feed(chunk);
            }
            parser.finish();
            ok = true;
            if (outOfOrder[0]) {
                // Parts before the one just delivered were skipped and will be asked again; rather than buffer
                // them, ask such a server for one range at a time.
                source.disableMultiRange();
            }
        } finally {
            if (!ok) {
                body.abandon();
            }
        }
    }

    /**
     * Delivers the wanted bytes found in {@code data} (a heap buffer), which holds the bytes at {@code offset}
     * onwards, and consumes it.
     */
    private void offer(long offset, ByteBuffer data) throws IOException {
        int n = data.remaining();
        long end = offset + n;
        int base = data.arrayOffset() + data.position();
        while (!pending.isEmpty()) {
            long[] p = pending.peekFirst();
            long cur = p[0];
            if (cur < offset || cur >= end) {
                break;
            }
            int k = (int) (Math.min(p[1], end) - cur);
            source.limiter().acquire(k);
            sink.accept(cur, data.array(), base + (int) (cur - offset), k);
            delivered += k;
            p[0] = cur + k;
            if (p[0] == p[1]) {
                pending.removeFirst();
            }
        }
        data.position(data.limit());
    }

    private static int digits(long v) {
        return Long.toString(v).length();
    }

    private static String abbreviate(CharSequence s) {
        return s.length() <= 60 ? s.toString() : s.subSequence(0, 57) + "...";
    }
}
