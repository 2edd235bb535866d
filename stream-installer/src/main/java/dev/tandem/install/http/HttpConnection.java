package dev.tandem.install.http;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 connection on a blocking socket, read by the thread that reads the bundle (ARCHITECTURE.md §11).
 * Body bytes go from the socket straight into the reader's array: no event loop, no hand-over between threads
 * and no queue, so backpressure is TCP's own and the connection holds one {@value #BUFFER}-byte buffer, for
 * heads and chunk framing only.
 *
 * <p>Bounds on what the server sends: a head line of at most {@value #MAX_LINE} bytes, a head of at most
 * {@value #MAX_HEAD} bytes that must arrive within one stall timeout, at most {@value #MAX_INTERIM} interim (1xx)
 * responses, and framing that is unambiguous ({@link ResponseHead#framingConflict()}). A body is read exactly to
 * its framing's end and never beyond, so a response's last byte leaves the connection ready for the next request.
 * How many body bytes a response may carry is the caller's ({@link ResponseBody}).
 *
 * <p>The socket is a channel's: its reads honour the stall timeout (SO_TIMEOUT), and interrupting the reading
 * thread (the agent stopping a download) closes it at once, where a plain socket would block on until data came.
 */
final class HttpConnection implements Closeable {

    /** The longest line of a response head or of chunk framing. */
    static final int MAX_LINE = 4096;
    /** The longest response head, and the longest trailer section of a chunked body. */
    static final int MAX_HEAD = 16 * 1024;
    /** Interim (1xx) responses skipped before the final one. */
    static final int MAX_INTERIM = 8;
    /** The read buffer for heads and chunk lines; body bytes bypass it whenever it is empty. */
    static final int BUFFER = 64 * 1024;

    private enum Framing {
        /** No body bytes pending: between responses, or the body ended. */
        DONE,
        /** Content-Length: {@code left} bytes to come. */
        LENGTH,
        /** Transfer-Encoding: chunked; {@code left} bytes left of the current chunk. */
        CHUNKED,
        /** Neither: the body ends when the server closes the connection. */
        UNTIL_CLOSE
    }

    final String key;
    private final Socket socket;
    /** The TCP connection beneath, TLS or not: checked for a close by the server before it is reused. */
    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;
    private final AtomicLong received;
    private final byte[] buf = new byte[BUFFER];
    private int pos;
    private int lim;
    private Framing framing = Framing.DONE;
    private long left;
    private boolean chunkDataRead;
    private boolean poisoned;
    private boolean closed;
    /** Requests sent on this connection. */
    private int sent;
    /** Whether any byte arrived since the last request went out. */
    private boolean answered;
    /** Whether the peer closed (or reset) the connection before any byte of the last request's answer. */
    private boolean closedUnanswered;
    private String context;

    private HttpConnection(String key, Socket socket, SocketChannel channel, AtomicLong received, String context)
            throws IOException {
        this.key = key;
        this.socket = socket;
        this.channel = channel;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.received = received;
        this.context = context;
    }

    /**
     * Connects, through {@code proxy} when given (a CONNECT tunnel when {@code tunnel}, else a plain hop to the
     * proxy), and finishes the TLS handshake when {@code tls} is given; each step within {@code connectTimeout}.
     *
     * @param received counts body bytes of every response on this connection
     */
    static HttpConnection open(String key, String host, int port, SSLSocketFactory tls, ProxyRoute.Proxy proxy,
                               boolean tunnel, Duration connectTimeout, AtomicLong received, String context)
            throws SourceException {
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        InetSocketAddress remote = proxy != null ? resolve(proxy.host(), proxy.port(), context)
                : resolve(host, port, context);
        Socket plain = null;
        String step = "connect";
        try {
            SocketChannel channel = SocketChannel.open();
            plain = channel.socket();
            plain.setTcpNoDelay(true);
            plain.connect(remote, timeoutMs);
            Socket s = plain;
            if (proxy != null && tunnel) {
                step = "proxy";
                ConnectTunnel.open(plain, proxy, host, port, timeoutMs);
            }
            if (tls != null) {
                step = "tls";
                SSLSocket ssl = (SSLSocket) tls.createSocket(plain, host, port, true);
                SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                ssl.setSSLParameters(p);
                ssl.setSoTimeout(timeoutMs);
                ssl.startHandshake();
                s = ssl;
            }
            return new HttpConnection(key, s, channel, received, context);
        } catch (IOException e) {
            closeQuietly(plain);
            throw classify(e, step, context);
        }
    }

    /** Turns a transport failure into a source failure: TLS handshake problems are final, the rest retriable. */
    private static SourceException classify(IOException e, String step, String context) {
        if (Thread.currentThread().isInterrupted() || e instanceof AsynchronousCloseException) {
            return new SourceException(SourceException.Reason.NETWORK, 0, context + ": interrupted", false, e);
        }
        String detail = printable(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        if (e instanceof SocketTimeoutException) {
            String what = switch (step) {
                case "connect" -> "connect timed out";
                case "tls" -> "TLS handshake timed out";
                default -> step + ": timed out";
            };
            return SourceException.retriable(SourceException.Reason.TIMEOUT, 0, context + ": " + what, e);
        }
        if (e instanceof SSLHandshakeException || ("tls".equals(step) && e instanceof SSLException)) {
            return new SourceException(SourceException.Reason.TLS, 0, context + ": TLS handshake failed: " + detail,
                    false, e);
        }
        return SourceException.retriable(SourceException.Reason.NETWORK, 0,
                context + ": " + (step.isEmpty() ? "" : step + ": ") + detail, e);
    }

    /**
     * Whether a new request may go out on this connection: the last response was read to its end, nothing
     * unasked for followed it, and the server has not closed its side meanwhile (an idle keep-alive timeout),
     * which would otherwise cost a failed request and a backoff.
     */
    boolean isReusable() {
        return !poisoned && !closed && framing == Framing.DONE && pos == lim && peerStillThere();
    }

    private boolean peerStillThere() {
        try {
            channel.configureBlocking(false);
            try {
                // 0: open and quiet. -1: closed. More: bytes nobody asked for, or a TLS alert: not reusable.
                return channel.read(ByteBuffer.allocate(1)) == 0;
            } finally {
                channel.configureBlocking(true);
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends a request; {@code context} ("GET url (range)") prefixes every failure message from now on. */
    void send(byte[] request, String context) throws SourceException {
        this.context = context;
        sent++;
        answered = false;
        closedUnanswered = false;
        try {
            out.write(request);
            out.flush();
        } catch (IOException e) {
            poisoned = true;
            closedUnanswered = !Thread.currentThread().isInterrupted();
            throw classify(e, "", context);
        }
    }

    /**
     * The head of the final response to the request sent, which must arrive whole within {@code stall}; its body
     * is then ready for {@link #readBody}.
     */
    ResponseHead awaitHead(Duration stall) throws SourceException {
        long deadline = System.nanoTime() + stall.toNanos();
        for (int interim = 0; ; interim++) {
            ResponseHead h = readHead(deadline, stall);
            if (h.status() >= 200 || h.status() == 101) {
                startBody(h);
                return h;
            }
            if (interim >= MAX_INTERIM) {
                throw protocol("more than " + MAX_INTERIM + " interim responses");
            }
        }
    }

    private ResponseHead readHead(long deadline, Duration stall) throws SourceException {
        int[] budget = {MAX_HEAD};
        String status;
        do {
            status = readLine(deadline, stall, budget);
        } while (status.isEmpty());
        if (status.length() < 12 || !status.startsWith("HTTP/1.") || status.charAt(8) != ' '
                || (status.charAt(7) != '0' && status.charAt(7) != '1')
                || !isDigits(status, 9, 12) || (status.length() > 12 && status.charAt(12) != ' ')) {
            throw protocol("malformed status line: " + printable(status));
        }
        int code = Integer.parseInt(status.substring(9, 12));
        // The reason phrase goes into messages: printable and short, whatever the server sent.
        String reason = status.length() > 13 ? printable(status.substring(13)) : "";
        List<String[]> fields = new ArrayList<>();
        while (true) {
            String line = readLine(deadline, stall, budget);
            if (line.isEmpty()) {
                break;
            }
            fields.add(field(line));
        }
        return new ResponseHead(status.charAt(7) - '0', code, reason, fields);
    }

    private String[] field(String line) throws SourceException {
        int colon = line.indexOf(':');
        if (colon <= 0 || !line.substring(0, colon).chars().allMatch(HttpOptions::isTokenChar)) {
            // Also refuses folded lines (a leading space or tab), which RFC 9112 lets a client reject.
            throw protocol("malformed header line: " + printable(line));
        }
        String value = line.substring(colon + 1).strip();
        if (value.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
            throw protocol("control character in header " + line.substring(0, colon));
        }
        return new String[] {line.substring(0, colon), value};
    }

    private void startBody(ResponseHead h) throws SourceException {
        if (!h.keepAlive() || h.status() == 101) {
            poisoned = true;
        }
        String conflict = h.framingConflict();
        if (conflict != null) {
            throw protocol(conflict);
        }
        chunkDataRead = false;
        left = 0;
        if (h.bodyless() || h.status() == 101) {
            framing = Framing.DONE;
        } else if (h.chunked()) {
            framing = Framing.CHUNKED;
        } else if (h.contentLength() >= 0) {
            left = h.contentLength();
            framing = left == 0 ? Framing.DONE : Framing.LENGTH;
        } else {
            framing = Framing.UNTIL_CLOSE;
            poisoned = true;
        }
    }

    /** Whether the current response's body has been read to its end. */
    boolean bodyEnded() {
        return framing == Framing.DONE;
    }

    /** Whether the body's end is known without the server closing the connection. */
    boolean bodyFramed() {
        return framing != Framing.UNTIL_CLOSE;
    }

    /**
     * Reads up to {@code len} (at least 1) bytes of the current body, waiting at most {@code stall} for any;
     * -1 at its end. A connection that closes before the framing's end fails retriably.
     */
    int readBody(byte[] b, int off, int len, Duration stall) throws SourceException {
        int n = switch (framing) {
            case DONE -> -1;
            case LENGTH -> readLength(b, off, len, stall);
            case CHUNKED -> readChunked(b, off, len, stall);
            case UNTIL_CLOSE -> readUntilClose(b, off, len, stall);
        };
        if (n > 0) {
            received.addAndGet(n);
        }
        return n;
    }

    private int readLength(byte[] b, int off, int len, Duration stall) throws SourceException {
        int n = readRaw(b, off, (int) Math.min(len, left), stall);
        if (n < 0) {
            throw closedEarly();
        }
        left -= n;
        if (left == 0) {
            framing = Framing.DONE;
        }
        return n;
    }

    private int readUntilClose(byte[] b, int off, int len, Duration stall) throws SourceException {
        int n = readRaw(b, off, len, stall);
        if (n < 0) {
            framing = Framing.DONE;
        }
        return n;
    }

    private int readChunked(byte[] b, int off, int len, Duration stall) throws SourceException {
        if (left == 0) {
            int[] budget = {MAX_HEAD};
            if (chunkDataRead && !readLine(0, stall, budget).isEmpty()) {
                throw protocol("chunk data longer than its size");
            }
            left = chunkSize(readLine(0, stall, budget));
            chunkDataRead = true;
            if (left == 0) {
                // The last chunk: skip the trailer section, bounded like a head.
                while (!readLine(0, stall, budget).isEmpty()) {
                    continue;
                }
                framing = Framing.DONE;
                return -1;
            }
        }
        int n = readRaw(b, off, (int) Math.min(len, left), stall);
        if (n < 0) {
            throw closedEarly();
        }
        left -= n;
        return n;
    }

    private long chunkSize(String line) throws SourceException {
        int semi = line.indexOf(';');
        String hex = (semi < 0 ? line : line.substring(0, semi)).strip();
        if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw protocol("bad chunk size: " + printable(line));
        }
        return Long.parseLong(hex, 16);
    }

    /** Body bytes from the buffer, else straight from the socket into {@code b}; -1 when the server closed. */
    private int readRaw(byte[] b, int off, int len, Duration stall) throws SourceException {
        if (pos < lim) {
            int n = Math.min(len, lim - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }
        return socketRead(b, off, len, stall.toMillis());
    }

    /**
     * One line without its CR LF (a bare LF ends a line too), counted against {@code budget}. With a
     * {@code deadline} (System.nanoTime) the whole line must arrive by then, else each read waits at most
     * {@code stall}.
     */
    private String readLine(long deadline, Duration stall, int[] budget) throws SourceException {
        StringBuilder line = new StringBuilder();
        while (true) {
            if (pos == lim) {
                long waitMs = stall.toMillis();
                if (deadline != 0) {
                    waitMs = Math.min(waitMs, (deadline - System.nanoTime()) / 1_000_000);
                    if (waitMs <= 0) {
                        throw stalled(stall);
                    }
                }
                int n = socketRead(buf, 0, buf.length, waitMs);
                if (n < 0) {
                    throw closedEarly();
                }
                pos = 0;
                lim = n;
            }
            while (pos < lim) {
                byte c = buf[pos++];
                if (--budget[0] < 0) {
                    throw protocol("response head longer than " + MAX_HEAD + " bytes");
                }
                if (c == '\n') {
                    int end = line.length();
                    if (end > 0 && line.charAt(end - 1) == '\r') {
                        line.setLength(end - 1);
                    }
                    return line.toString();
                }
                if (line.length() >= MAX_LINE) {
                    throw protocol("response line longer than " + MAX_LINE + " bytes");
                }
                line.append((char) (c & 0xff));
            }
        }
    }

    private int socketRead(byte[] b, int off, int len, long waitMs) throws SourceException {
        try {
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, waitMs)));
            int n;
            do {
                n = in.read(b, off, len);
            } while (n == 0);
            if (n > 0) {
                answered = true;
            } else {
                closedUnanswered = !answered;
            }
            return n;
        } catch (SocketTimeoutException e) {
            poisoned = true;
            throw stalled(Duration.ofMillis(waitMs));
        } catch (IOException e) {
            poisoned = true;
            closedUnanswered = !answered && !Thread.currentThread().isInterrupted();
            throw classify(e, "", context);
        }
    }

    /**
     * Whether this connection had carried a request before the last one, and the server closed or reset it
     * without a byte of answer to the last: the request may be sent again on a new connection.
     */
    boolean closedUnanswered() {
        return closedUnanswered && sent > 1;
    }

    private SourceException stalled(Duration stall) {
        poisoned = true;
        return SourceException.retriable(SourceException.Reason.TIMEOUT, 0,
                context + ": no data for " + stall.toMillis() + " ms", null);
    }

    private SourceException closedEarly() {
        poisoned = true;
        framing = Framing.DONE;
        return SourceException.retriable(SourceException.Reason.NETWORK, 0,
                context + ": connection closed before the end of the response", null);
    }

    private SourceException protocol(String what) {
        poisoned = true;
        return new SourceException(SourceException.Reason.PROTOCOL, 0, context + ": " + what, false, null);
    }

    /** Marks the connection as not reusable (a response was abandoned or ended with Connection: close). */
    void poison() {
        poisoned = true;
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(socket);
    }

    @Override
    public String toString() {
        return key;
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // nothing left to do with it
            }
        }
    }

    private static InetSocketAddress resolve(String host, int port, String context) throws SourceException {
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw SourceException.retriable(SourceException.Reason.NETWORK, 0,
                    context + ": cannot resolve " + host, null);
        }
        return a;
    }

    private static boolean isDigits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code s} for a one-line message: control characters replaced, C1 too (a head's bytes 0x80-0x9f become
     * those characters, and 0x9b starts a terminal escape as ESC [ does), at most 100 characters.
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 100; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || (c >= 0x7f && c <= 0x9f) ? '?' : c);
        }
        return b.toString();
    }

    /** The request bytes as sent: ISO-8859-1, as HTTP/1.1 heads are. */
    static byte[] encode(CharSequence head) {
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
