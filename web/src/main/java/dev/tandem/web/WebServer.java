package dev.tandem.web;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The web install page's HTTPS server (SECURITY.md "Web install page"). Every connection is TLS; the request
 * line is at most 4 KiB and the headers 8 KiB; a connection that sends nothing for the idle timeout, or does not
 * finish its request headers within it, is closed; at most {@value #MAX_CONNECTIONS} connections at once. The
 * socket is read only on demand (auto-read off) so an upload flows at the installer's pace.
 */
public final class WebServer implements Closeable {

    static final int MAX_CONNECTIONS = 32;
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADERS = 8192;
    static final int MAX_CHUNK = 64 * 1024;
    /** Body bytes queued for the installer before the server stops reading the socket. */
    static final int UPLOAD_HIGH_WATER = 1 << 20;

    private final WebOptions options;
    private final SslContext tls;
    final InstallService service;
    final InstallTracker tracker = new InstallTracker();
    final StaticPage page = new StaticPage();
    final AtomicBoolean uploading = new AtomicBoolean();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile UploadStream lastUpload;
    private EventLoopGroup group;
    private Channel server;

    public WebServer(WebOptions options, InstallService service) throws IOException {
        this.options = options;
        this.service = service;
        try {
            SslContextBuilder b = SslContextBuilder.forServer(options.tlsCert().toFile(), options.tlsKey().toFile())
                    .protocols("TLSv1.3", "TLSv1.2");
            if (options.clientCa() != null) {
                b.trustManager(options.clientCa().toFile()).clientAuth(ClientAuth.REQUIRE);
            }
            this.tls = b.build();
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("web page TLS (" + options.tlsCert() + ", " + options.tlsKey() + "): "
                    + e.getMessage(), e);
        }
    }

    WebOptions options() {
        return options;
    }

    /** Binds and serves; returns the bound port (the chosen one for port 0). */
    public synchronized int start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tandem-web", true),
                NioIoHandler.newFactory());
        long idleMillis = options.idleTimeout().toMillis();
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (connections.incrementAndGet() > MAX_CONNECTIONS) {
                            connections.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> connections.decrementAndGet());
                        SslHandler ssl = tls.newHandler(ch.alloc());
                        ssl.setHandshakeTimeoutMillis(idleMillis);
                        ch.pipeline().addLast("tls", ssl);
                        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, MAX_CHUNK));
                        ch.pipeline().addLast("page", new WebHandler(WebServer.this, idleMillis));
                    }
                });
        try {
            server = b.bind(new InetSocketAddress(options.host(), options.port())).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while binding " + options.host() + ":" + options.port(), e);
        } catch (Exception e) {
            close();
            throw new IOException("cannot bind " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        }
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    void uploadStarted(UploadStream upload) {
        lastUpload = upload;
    }

    /** The most body bytes that waited for the installer during the last upload (memory bound). */
    public long lastUploadMaxQueued() {
        UploadStream u = lastUpload;
        return u == null ? 0 : u.maxQueued();
    }

    @Override
    public synchronized void close() {
        service.cancel();
        if (server != null) {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            server = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            group = null;
        }
    }
}
