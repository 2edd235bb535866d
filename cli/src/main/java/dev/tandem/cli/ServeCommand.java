package dev.tandem.cli;

import dev.tandem.serve.StaticFileServer;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tandem serve}: a static file server with Range and multi-range, for development and small sites. */
@Command(name = "serve", header = "Serve a directory over HTTP (Range, multi-range, ETag) for development and small sites.")
final class ServeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "Directory to serve (dotfiles and links leaving it are refused).")
    Path dir;

    @Option(names = "--bind", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            description = "Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).")
    String bind;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve HTTPS with this certificate ...")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "... and this key.")
    Path tlsKey;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new UsageException(dir + " is not a directory");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new UsageException("--tls-cert and --tls-key go together");
        }
        InetSocketAddress address = parse(bind);
        StaticFileServer server = tlsCert != null ? new StaticFileServer(dir, tlsCert, tlsKey) : new StaticFileServer(dir);
        int port = server.start(address);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("serving %s on %s://%s:%d/ (Ctrl-C to stop)%n", server.root(), tlsCert != null ? "https" : "http",
                address.getHostString(), port);
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }, "serve-shutdown"));
        stop.await();
        return 0;
    }

    static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new UsageException("--bind '" + hostPort + "' must look like HOST:PORT");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new UsageException("--bind '" + hostPort + "': bad port");
        }
    }
}
