package dev.tandem.install.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx for tests, with its own prefix and config on free loopback ports (never the system service),
 * serving {@code root}: plain HTTP, and either HTTPS plus HTTPS that requires a client certificate from
 * {@link TestCa} ({@link #start(Path, Path, TestCa)}), or a second plain-HTTP origin, another host:port to the
 * client, with an access log in a format the test chooses ({@link #startTwoOrigins}). Public for other modules'
 * tests (the stream-installer test-jar).
 */
public final class NginxServer implements AutoCloseable {

    /** The access log format {@link #bytesServed} and {@link #bytesSent} read. */
    private static final String WIRE_LOG = "'$remote_addr - $remote_user [$time_local] \"$request\" $status '\n"
            + "                '$body_bytes_sent \"$http_referer\" \"$http_user_agent\" $bytes_sent'";

    public final int httpPort;
    /** The second plain-HTTP origin, or -1. */
    public final int secondHttpPort;
    /** HTTPS, or -1 without TLS. */
    public final int httpsPort;
    /** HTTPS that requires a client certificate, or -1 without TLS. */
    public final int mtlsPort;
    private final Process process;
    private final Path prefix;

    private NginxServer(Process process, Path prefix, int[] ports) {
        this.process = process;
        this.prefix = prefix;
        this.httpPort = ports[0];
        this.secondHttpPort = ports[1];
        this.httpsPort = ports[2];
        this.mtlsPort = ports[3];
    }

    /** The nginx binary, or null when it is not installed. */
    public static String binary() {
        for (String p : new String[] {"/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    /** Plain HTTP, HTTPS and mutual-TLS HTTPS with {@code ca}'s certificates; the access log counts bytes. */
    static NginxServer start(Path root, Path prefix, TestCa ca) throws IOException {
        String tls = "ssl_certificate " + ca.serverCert + "; ssl_certificate_key " + ca.serverKey + ";";
        int https = freePort();
        int mtls = freePort();
        String servers = """
                    server { listen 127.0.0.1:%1$d ssl; root %2$s; %3$s }
                    server { listen 127.0.0.1:%4$d ssl; root %2$s; %3$s
                             ssl_verify_client on; ssl_client_certificate %5$s; }
                """.formatted(https, root, tls, mtls, ca.caCert);
        return start(root, prefix, WIRE_LOG, servers, new int[] {freePort(), -1, https, mtls});
    }

    /**
     * Two plain-HTTP origins serving {@code root}, with the access log in {@code logFormat} (an nginx
     * {@code log_format} body, e.g. {@code '$server_port $uri $status'}), read by {@link #requests}.
     */
    public static NginxServer startTwoOrigins(Path root, Path prefix, String logFormat) throws IOException {
        int second = freePort();
        String servers = "        server { listen 127.0.0.1:%d; root %s; }\n".formatted(second, root);
        return start(root, prefix, logFormat, servers, new int[] {freePort(), second, -1, -1});
    }

    private static NginxServer start(Path root, Path prefix, String logFormat, String extraServers, int[] ports)
            throws IOException {
        Files.createDirectories(prefix.resolve("tmp"));
        String conf = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 128; }
                http {
                    log_format test %4$s;
                    access_log %1$s/access.log test;
                    client_body_temp_path %1$s/tmp/body;
                    proxy_temp_path %1$s/tmp/proxy;
                    fastcgi_temp_path %1$s/tmp/fastcgi;
                    uwsgi_temp_path %1$s/tmp/uwsgi;
                    scgi_temp_path %1$s/tmp/scgi;
                    default_type application/octet-stream;
                    sendfile on;
                    keepalive_requests 10000;
                    server { listen 127.0.0.1:%2$d; root %3$s; }
                %5$s}
                """.formatted(prefix, ports[0], root, logFormat, extraServers);
        Path confFile = prefix.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        Process p = new ProcessBuilder(binary(), "-p", prefix.toString(), "-c", confFile.toString(), "-e",
                prefix.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        NginxServer n = new NginxServer(p, prefix, ports);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Arrays.stream(ports).allMatch(port -> port < 0 || listening(port))) {
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

    /** The access log's lines so far, one a request, in the format the server was started with. */
    public List<String> requests() throws IOException {
        Path log = prefix.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
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
    public long bytesServed() throws IOException {
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
    public long bytesSent() throws IOException {
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
