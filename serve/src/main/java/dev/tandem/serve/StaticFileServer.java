package dev.tandem.serve;

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
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves the regular files under one directory over HTTP/1.1 for {@code tandem serve}, tests and the demo:
 * GET and HEAD, single and multiple byte ranges ({@code multipart/byteranges}), {@code If-Range}, strong ETags,
 * keep-alive; zero-copy ({@code sendfile}) for plain-text connections, optional TLS.
 *
 * <p>Only files inside the root are served: paths with {@code ..} are refused (403), as are paths that leave
 * the root through a symbolic link (403); dotfiles and dot-directories are invisible (404), as are directories.
 * The ETag is {@code "<size>-<mtime ns>-<inode>"} in hex: it changes when the file is modified, resized or
 * replaced (a new inode, as {@code mv} of a new bundle gives), without reading the file. Memory does not grow
 * with file size: bodies are file regions written as the socket drains.
 */
public final class StaticFileServer implements Closeable {

    private final Path root;
    private final SslContext tls;
    private final AtomicLong bytesServed = new AtomicLong();
    private EventLoopGroup group;
    private Channel server;

    /** A plain-HTTP server of {@code root}. */
    public StaticFileServer(Path root) throws IOException {
        this(root, null, null);
    }

    /** An HTTPS server of {@code root} with a PEM certificate (chain) and PKCS#8 key; both null for plain HTTP. */
    public StaticFileServer(Path root, Path tlsCert, Path tlsKey) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("not a directory: " + root);
        }
        this.root = root.toRealPath();
        if (tlsCert != null) {
            this.tls = SslContextBuilder.forServer(tlsCert.toFile(), tlsKey.toFile()).build();
        } else {
            this.tls = null;
        }
    }

    /**
     * Binds and starts serving.
     *
     * @return the bound port (the chosen one when {@code bind} has port 0)
     */
    public synchronized int start(InetSocketAddress bind) throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("tandem-serve", true),
                NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast("http", new HttpServerCodec(4096, 16 * 1024, 16 * 1024));
                        ch.pipeline().addLast("chunked", new ChunkedWriteHandler());
                        ch.pipeline().addLast("files", new StaticFileHandler(root, tls != null, bytesServed));
                    }
                });
        try {
            server = b.bind(bind).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while binding " + bind, e);
        } catch (Exception e) {
            close();
            throw new IOException("cannot bind " + bind + ": " + e.getMessage(), e);
        }
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The root directory served (real path). */
    public Path root() {
        return root;
    }

    /** Body bytes handed to the network so far (what clients downloaded, including aborted responses). */
    public long bytesServed() {
        return bytesServed.get();
    }

    @Override
    public synchronized void close() {
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
