package dev.tandem.agent.ddi;

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
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test forward proxy, like a corporate HTTP proxy (and like stream-installer's download-proxy tests use):
 * {@code CONNECT host:port} opens a tunnel, an absolute-form request is passed on to its host. Records each
 * request head it receives.
 */
final class ForwardProxy implements AutoCloseable {

    private final ServerSocket server;
    private final List<String> heads = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    ForwardProxy() throws IOException {
        server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    List<String> heads() {
        return List.copyOf(heads);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                sockets.add(c);
                Thread t = new Thread(() -> serve(c), "proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try {
            InputStream in = client.getInputStream();
            byte[] head = readHead(in);
            String text = new String(head, StandardCharsets.ISO_8859_1);
            heads.add(text.trim());
            String[] line = text.substring(0, text.indexOf("\r\n")).split(" ");
            Socket upstream;
            if (line[0].equals("CONNECT")) {
                String[] hp = line[1].split(":");
                upstream = new Socket(hp[0], Integer.parseInt(hp[1]));
                client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
            } else {
                URI u = URI.create(line[1]);
                upstream = new Socket(u.getHost(), u.getPort());
                upstream.getOutputStream().write(head);
            }
            sockets.add(upstream);
            Thread back = new Thread(() -> pump(upstream, client), "proxy-back");
            back.setDaemon(true);
            back.start();
            pump(client, upstream);
        } catch (IOException | RuntimeException e) {
            close(client);
        }
    }

    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && b.size() < 16384) {
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                return a;
            }
        }
        throw new IOException("no request head");
    }

    private static void pump(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            in.transferTo(out);
        } catch (IOException e) {
            // either side went away
        } finally {
            close(from);
            close(to);
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            close(s);
        }
    }
}
