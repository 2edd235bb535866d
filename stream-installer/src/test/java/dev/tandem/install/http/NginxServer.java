package dev.tandem.install.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx for tests, with its own prefix and config on free loopback ports (never the system service):
 * plain HTTP, HTTPS, and HTTPS that requires a client certificate from {@link TestCa}. Serves {@code root}.
 */
final class NginxServer implements AutoCloseable {

    final int httpPort;
    final int httpsPort;
    final int mtlsPort;
    private final Process process;
    private final Path prefix;

    private NginxServer(Process process, Path prefix, int httpPort, int httpsPort, int mtlsPort) {
        this.process = process;
        this.prefix = prefix;
        this.httpPort = httpPort;
        this.httpsPort = httpsPort;
        this.mtlsPort = mtlsPort;
    }

    /** The nginx binary, or null when it is not installed. */
    static String binary() {
        for (String p : new String[] {"/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    static NginxServer start(Path root, Path prefix, TestCa ca) throws IOException {
        Files.createDirectories(prefix.resolve("tmp"));
        int http = freePort();
        int https = freePort();
        int mtls = freePort();
        String tls = "ssl_certificate " + ca.serverCert + "; ssl_certificate_key " + ca.serverKey + ";\n";
        String conf = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 128; }
                http {
                    log_format wire '$remote_addr - $remote_user [$time_local] "$request" $status '
                                    '$body_bytes_sent "$http_referer" "$http_user_agent" $bytes_sent';
                    access_log %1$s/access.log wire;
                    client_body_temp_path %1$s/tmp/body;
                    proxy_temp_path %1$s/tmp/proxy;
                    fastcgi_temp_path %1$s/tmp/fastcgi;
                    uwsgi_temp_path %1$s/tmp/uwsgi;
                    scgi_temp_path %1$s/tmp/scgi;
                    default_type application/octet-stream;
                    sendfile on;
                    keepalive_requests 10000;
                    server { listen 127.0.0.1:%2$d; root %3$s; }
                    server { listen 127.0.0.1:%4$d ssl; root %3$s; %5$s }
                    server { listen 127.0.0.1:%6$d ssl; root %3$s; %5$s
                             ssl_verify_client on; ssl_client_certificate %7$s; }
                }
                """.formatted(prefix, http, root, https, tls, mtls, ca.caCert);
        Path confFile = prefix.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        Process p = new ProcessBuilder(binary(), "-p", prefix.toString(), "-c", confFile.toString(), "-e",
                prefix.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        NginxServer n = new NginxServer(p, prefix, http, https, mtls);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(listening(http) && listening(https) && listening(mtls))) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                n.close();
                throw new IOException("nginx did not start: " + Files.readString(prefix.resolve("error.log")));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        return n;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Response body bytes nginx logged so far (sum of {@code $body_bytes_sent} in the access log). */
    long bytesServed() throws IOException {
        long sum = 0;
        for (String line : Files.readAllLines(prefix.resolve("access.log"))) {
            // combined format: ... "GET /x HTTP/1.1" 206 12345 "-" "tandem"
            String[] q = line.split("\"");
            if (q.length > 2) {
                String[] f = q[2].trim().split(" ");
                sum += Long.parseLong(f[1]);
            }
        }
        return sum;
    }

    /**
     * Bytes nginx wrote to its sockets, headers included (sum of {@code $bytes_sent}): what went on the wire,
     * also for responses the client abandoned. Waits until the log stops growing, since nginx logs an abandoned
     * response only when it notices the closed connection.
     */
    long bytesSent() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long last = -1;
        while (true) {
            long sum = 0;
            for (String line : Files.readAllLines(prefix.resolve("access.log"))) {
                sum += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
            }
            if (sum == last || System.nanoTime() > deadline) {
                return sum;
            }
            last = sum;
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
