package dev.tandem.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A test HTTP/1.1 server on a loopback socket whose answers are raw bytes, so that a test can send what no
 * well-behaved server library would: endless or lying bodies, slow heads, broken encodings, reordered multipart
 * parts, coalesced ranges. One thread per connection. By default each request gets one answer and the connection
 * is closed; {@link #keepAlive} serves request after request on a connection. Every request is recorded.
 */
public final class RawHttpServer implements AutoCloseable {

    /**
     * A request as received; {@code number} counts the server's requests from 1, in the order their heads arrived.
     */
    public record Request(String method, String target, Map<String, String> headers, String body, int number) {
        /** A header by lower-case name, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The path of the request target (an absolute-form target included). */
        public String path() {
            return target.startsWith("/") ? target.replaceAll("\\?.*", "") : URI.create(target).getRawPath();
        }
    }

    /** Writes the answer to one request. */
    @FunctionalInterface
    public interface Responder {
        void respond(Request request, OutputStream out) throws IOException;
    }

    private final ServerSocket server;
    private final String scheme;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger numbers = new AtomicInteger();
    private final boolean keepAlive;
    private volatile Responder responder;

    /** A plain http server. */
    public RawHttpServer(Responder responder) throws IOException {
        this(responder, null);
    }

    /** An https server when {@code tls} is given. */
    public RawHttpServer(Responder responder, SSLContext tls) throws IOException {
        this(responder, tls, false);
    }

    /**
     * A plain http server that keeps connections open: the responder's answers must say where they end
     * ({@code Content-Length}), and the next request on the connection is read after each.
     */
    public static RawHttpServer keepAlive(Responder responder) throws IOException {
        return new RawHttpServer(responder, null, true);
    }

    private RawHttpServer(Responder responder, SSLContext tls, boolean keepAlive) throws IOException {
        this.responder = responder;
        this.keepAlive = keepAlive;
        this.scheme = tls == null ? "http" : "https";
        this.server = tls == null ? new ServerSocket(0, 50, InetAddress.getLoopbackAddress())
                : tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "raw-http-accept");
        t.setDaemon(true);
        t.start();
    }

    /** {@code scheme://127.0.0.1:port}. */
    public URI uri() {
        return URI.create(scheme + "://127.0.0.1:" + server.getLocalPort());
    }

    public int port() {
        return server.getLocalPort();
    }

    public void respondWith(Responder r) {
        this.responder = r;
    }

    /** The requests received so far. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "raw-http-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            do {
                serveOne(in, out);
            } while (keepAlive);
        } catch (IOException | RuntimeException e) {
            // the client went away (as it should from an endless answer, or after its last keep-alive request)
        } finally {
            sockets.remove(s);
        }
    }

    private void serveOne(InputStream in, OutputStream out) throws IOException {
        String head = readHead(in);
        String[] lines = head.split("\r\n");
        String[] requestLine = lines[0].split(" ");
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        int length = headers.containsKey("content-length") ? Integer.parseInt(headers.get("content-length")) : 0;
        String body = new String(in.readNBytes(Math.min(length, 1 << 20)), StandardCharsets.UTF_8);
        Request r = new Request(requestLine[0], requestLine[1], Map.copyOf(headers), body, numbers.incrementAndGet());
        requests.add(r);
        responder.respond(r, out);
        out.flush();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        int matched = 0;
        while ((c = in.read()) >= 0 && b.size() < 65536) {
            b.write(c);
            matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
            if (matched == 4) {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
        throw new IOException("no request head");
    }

    // ---- answers ------------------------------------------------------------------------------------------

    /** A complete answer with {@code Content-Length}. */
    public static void answer(OutputStream out, int status, String contentType, byte[] body) throws IOException {
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
    }

    /** A whole response, {@code Content-Length} added: a status line ("206 Partial Content"), header lines ending in CRLF, a body. */
    public static byte[] response(String status, String headers, byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        b.writeBytes(body);
        return b.toByteArray();
    }

    /** A JSON answer, 200. */
    public static void json(OutputStream out, String body) throws IOException {
        answer(out, 200, "application/hal+json", body.getBytes(StandardCharsets.UTF_8));
    }

    /** A head without Content-Length: the body ends when the connection closes. */
    public static void openHead(OutputStream out, int status) throws IOException {
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/hal+json\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Writes {@code unit} again and again for up to {@code maxBytes} (or until the client closes). */
    public static void repeat(OutputStream out, byte[] unit, long maxBytes) throws IOException {
        byte[] block = new byte[Math.max(unit.length, 64 * 1024 / unit.length * unit.length)];
        for (int i = 0; i + unit.length <= block.length; i += unit.length) {
            System.arraycopy(unit, 0, block, i, unit.length);
        }
        for (long sent = 0; sent < maxBytes; sent += block.length) {
            out.write(block, 0, (int) Math.min(block.length, maxBytes - sent));
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
