package dev.tandem.agent.ddi;

import dev.tandem.install.http.ProxyRoute;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocketFactory;

/**
 * https through an HTTP proxy: a socket factory whose sockets connect by {@code CONNECT host:port} to the proxy
 * (with its {@code Proxy-Authorization} when the proxy URL has user info), and TLS on top from {@code tls}.
 * {@link javax.net.ssl.HttpsURLConnection} tunnels by itself but neither sends a preset {@code Proxy-Authorization}
 * with its CONNECT nor allows Basic proxy authentication for tunnels by default; the downloads' proxy does both,
 * so the DDI client makes its tunnel itself. The connection then sees a plain socket and layers TLS over it.
 */
final class ProxyTunnel extends SSLSocketFactory {

    /** The longest proxy answer head read. */
    private static final int MAX_HEAD = 8192;

    private final ProxyRoute.Proxy proxy;
    private final SSLSocketFactory tls;

    ProxyTunnel(ProxyRoute.Proxy proxy, SSLSocketFactory tls) {
        this.proxy = proxy;
        this.tls = tls;
    }

    /** The unconnected socket HttpsURLConnection asks for: connecting it opens the tunnel. */
    @Override
    public Socket createSocket() {
        return new TunnelSocket();
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        return tls.createSocket(s, host, port, autoClose);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        throw unconnectedOnly();
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        throw unconnectedOnly();
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        throw unconnectedOnly();
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        throw unconnectedOnly();
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return tls.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return tls.getSupportedCipherSuites();
    }

    private static SocketException unconnectedOnly() {
        return new SocketException("the proxy tunnel connects through connect(), not at creation");
    }

    private final class TunnelSocket extends Socket {

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            InetSocketAddress target = (InetSocketAddress) endpoint;
            // The proxy resolves the destination: only the proxy's own name is resolved here.
            super.connect(new InetSocketAddress(proxy.host(), proxy.port()), timeout);
            String hostPort = (target.getHostString().contains(":") ? "[" + target.getHostString() + "]"
                    : target.getHostString()) + ":" + target.getPort();
            String auth = proxy.authorization();
            String request = "CONNECT " + hostPort + " HTTP/1.1\r\nHost: " + hostPort + "\r\n"
                    + (auth == null ? "" : "Proxy-Authorization: " + auth + "\r\n") + "\r\n";
            int before = getSoTimeout();
            setSoTimeout(timeout);
            getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            getOutputStream().flush();
            String head = readHead(getInputStream());
            setSoTimeout(before);
            String status = head.substring(0, Math.max(0, head.indexOf('\r')));
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].equals("200")) {
                close();
                throw new SocketException("proxy " + proxy + ": CONNECT " + hostPort + " answered "
                        + DdiJson.oneLine(status));
            }
        }

        /** Reads the proxy's answer head byte by byte, so that nothing of the TLS stream after it is consumed. */
        private String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int matched = 0;
            while (b.size() < MAX_HEAD) {
                int c = in.read();
                if (c < 0) {
                    throw new SocketException("proxy " + proxy + ": closed the connection during CONNECT");
                }
                b.write(c);
                matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
                if (matched == 4) {
                    return b.toString(StandardCharsets.ISO_8859_1);
                }
            }
            throw new SocketException("proxy " + proxy + ": answer head to CONNECT longer than " + MAX_HEAD
                    + " bytes");
        }
    }
}
