package dev.tandem.install.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Opens an https tunnel through an HTTP proxy: {@code CONNECT host:port} on a socket connected to the proxy,
 * with its {@code Proxy-Authorization} when the proxy URL had user info, and a {@code 200} answer awaited. TLS
 * to the destination then goes over the same socket. Public because both HTTP clients (the downloads and the
 * device agent's DDI client) tunnel this way; the JDK's own tunnel neither sends a preset Proxy-Authorization nor
 * allows Basic authentication for tunnels by default.
 */
public final class ConnectTunnel {

    /** The longest proxy answer head read. */
    static final int MAX_HEAD = 8192;

    private ConnectTunnel() {
    }

    /**
     * Asks the proxy {@code socket} is connected to for a tunnel to {@code host:port} and waits at most
     * {@code timeoutMs} for the whole answer head, however slowly it trickles.
     *
     * @throws SocketException one line naming the proxy when it refuses, closes or answers too long a head
     * @throws java.net.SocketTimeoutException when the answer head is not complete within {@code timeoutMs}
     */
    public static void open(Socket socket, ProxyRoute.Proxy proxy, String host, int port, int timeoutMs)
            throws IOException {
        // The proxy resolves the destination: only the proxy's own name was resolved.
        String hostPort = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        String auth = proxy.authorization();
        String request = "CONNECT " + hostPort + " HTTP/1.1\r\nHost: " + hostPort + "\r\n"
                + (auth == null ? "" : "Proxy-Authorization: " + auth + "\r\n") + "\r\n";
        int before = socket.getSoTimeout();
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String head = readHead(socket, deadline, proxy);
        socket.setSoTimeout(before);
        int eol = head.indexOf('\r');
        String status = head.substring(0, Math.max(0, eol < 0 ? head.indexOf('\n') : eol));
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].equals("200")) {
            throw new SocketException("proxy " + proxy + ": CONNECT " + hostPort + " answered "
                    + HttpConnection.printable(status));
        }
    }

    /**
     * Reads the proxy's answer head byte by byte, so that nothing of the TLS stream after it is consumed, by
     * {@code deadline} (System.nanoTime).
     */
    private static String readHead(Socket socket, long deadline, ProxyRoute.Proxy proxy) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int newlines = 0;
        while (b.size() < MAX_HEAD) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                throw new SocketTimeoutException("proxy " + proxy + ": no complete answer to CONNECT in time");
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMs));
            int c = in.read();
            if (c < 0) {
                throw new SocketException("proxy " + proxy + ": closed the connection during CONNECT");
            }
            b.write(c);
            // The head ends at an empty line: two line feeds with at most a carriage return between them.
            if (c == '\n') {
                if (++newlines == 2) {
                    return b.toString(StandardCharsets.ISO_8859_1);
                }
            } else if (c != '\r') {
                newlines = 0;
            }
        }
        throw new SocketException("proxy " + proxy + ": answer head to CONNECT longer than " + MAX_HEAD + " bytes");
    }
}
