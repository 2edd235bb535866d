package dev.tandem.agent.ddi;

import dev.tandem.install.http.ConnectTunnel;
import dev.tandem.install.http.ProxyRoute;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import javax.net.ssl.SSLSocketFactory;

/**
 * https through an HTTP proxy: a socket factory whose sockets connect by {@code CONNECT host:port} to the proxy
 * ({@link ConnectTunnel}, as the downloads do), and TLS on top from {@code tls}.
 * {@link javax.net.ssl.HttpsURLConnection} tunnels by itself but neither sends a preset {@code Proxy-Authorization}
 * with its CONNECT nor allows Basic proxy authentication for tunnels by default, so the DDI client makes its
 * tunnel itself. The connection then sees a plain socket and layers TLS over it.
 */
final class ProxyTunnel extends SSLSocketFactory {

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
            try {
                ConnectTunnel.open(this, proxy, target.getHostString(), target.getPort(), timeout);
            } catch (IOException e) {
                close();
                throw e;
            }
        }
    }
}
