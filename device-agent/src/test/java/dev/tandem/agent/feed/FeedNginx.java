package dev.tandem.agent.feed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx with two plain-HTTP origins on free loopback ports serving one directory, whose access log records
 * per request the port, the path and the {@code X-Api-Key} header the client sent ("-" for none).
 */
final class FeedNginx implements AutoCloseable {

    final int portA;
    final int portB;
    private final Process process;
    private final Path prefix;

    private FeedNginx(Process process, Path prefix, int portA, int portB) {
        this.process = process;
        this.prefix = prefix;
        this.portA = portA;
        this.portB = portB;
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

    static FeedNginx start(Path root, Path prefix) throws IOException, InterruptedException {
        Files.createDirectories(prefix.resolve("tmp"));
        int a = freePort();
        int b = freePort();
        String conf = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 64; }
                http {
                    log_format keys '$server_port $uri $status $http_x_api_key';
                    access_log %1$s/access.log keys;
                    client_body_temp_path %1$s/tmp/body;
                    proxy_temp_path %1$s/tmp/proxy;
                    fastcgi_temp_path %1$s/tmp/fastcgi;
                    uwsgi_temp_path %1$s/tmp/uwsgi;
                    scgi_temp_path %1$s/tmp/scgi;
                    default_type application/octet-stream;
                    server { listen 127.0.0.1:%2$d; root %3$s; }
                    server { listen 127.0.0.1:%4$d; root %3$s; }
                }
                """.formatted(prefix, a, root, b);
        Path confFile = prefix.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        Process p = new ProcessBuilder(binary(), "-p", prefix.toString(), "-c", confFile.toString(), "-e",
                prefix.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        FeedNginx n = new FeedNginx(p, prefix, a, b);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(listening(a) && listening(b))) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                n.close();
                throw new IOException("nginx did not start: " + Files.readString(prefix.resolve("error.log")));
            }
            Thread.sleep(20);
        }
        return n;
    }

    /** The access log: "port path status x-api-key" per request. */
    List<String> requests() throws IOException {
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
