package dev.tandem.install.http;

import dev.tandem.serve.StaticFileServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-only reverse proxy between an HTTP client and an origin ({@link StaticFileServer}, nginx) that injects
 * {@link Fault}s: cut or reset connections, stalls, flipped bytes, short files, a changed file, ignored Range,
 * lying headers, wrong multipart boundaries, endless bodies, redirects and error statuses.
 *
 * <pre>{@code
 * try (FaultInjectingProxy proxy = FaultInjectingProxy.start(origin, Fault.cutAfter(8 << 20).times(3))) {
 *     HttpSource.open(proxy.url("bundle.tandem"), options) ...
 *     proxy.requests(); proxy.bytesToClient();
 * }
 * }</pre>
 *
 * Relays with backpressure (the origin is read only as fast as the client takes bytes), one origin connection
 * per client connection, requests handled one at a time (no pipelining).
 */
public final class FaultInjectingProxy implements AutoCloseable {

    /** A request as the proxy received it. */
    public record Recorded(String method, String uri, HttpHeaders headers) {
    }

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final InetSocketAddress origin;
    private final List<Fault> faults;
    private final SslContext tls;
    private final EventLoopGroup group;
    private final Channel server;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytesToClient = new AtomicLong();
    private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
    private final String host;

    private FaultInjectingProxy(InetSocketAddress origin, SslContext tls, String bindHost, Fault... faults) {
        this.origin = origin;
        this.tls = tls;
        this.faults = List.of(faults);
        this.host = bindHost;
        this.group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("fault-proxy", true),
                NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new Front());
                    }
                });
        this.server = b.bind(bindHost, 0).syncUninterruptibly().channel();
    }

    /** A plain-HTTP proxy on 127.0.0.1 in front of {@code origin}. */
    public static FaultInjectingProxy start(InetSocketAddress origin, Fault... faults) {
        return new FaultInjectingProxy(origin, null, "127.0.0.1", faults);
    }

    /** A proxy on {@code bindHost} (use "localhost" vs "127.0.0.1" for two origins), https when {@code tls}. */
    public static FaultInjectingProxy start(InetSocketAddress origin, SslContext tls, String bindHost,
                                            Fault... faults) {
        return new FaultInjectingProxy(origin, tls, bindHost, faults);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The URL of {@code path} (no leading slash) through this proxy. */
    public URI url(String path) {
        return URI.create((tls != null ? "https" : "http") + "://" + host + ":" + port() + "/" + path);
    }

    /** Requests received from clients. */
    public int requests() {
        return requests.get();
    }

    /** Response body bytes written to clients. */
    public long bytesToClient() {
        return bytesToClient.get();
    }

    /** Every request received, in order. */
    public List<Recorded> recorded() {
        return List.copyOf(recorded);
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** The faults armed for one response, each fired at most once per response. */
    private Fault armed(Fault.Kind kind, int request) {
        for (Fault f : faults) {
            if (f.kind == kind && f.armed(request)) {
                return f;
            }
        }
        return null;
    }

    /** Client side of one connection; owns the origin connection. */
    private final class Front extends ChannelInboundHandlerAdapter {
        private Channel back;
        private ChannelHandlerContext front;
        private Exchange exchange;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            front = ctx;
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HttpRequest req)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            int n = requests.incrementAndGet();
            recorded.add(new Recorded(req.method().name(), req.uri(), new DefaultHttpHeaders().add(req.headers())));
            ReferenceCountUtil.release(msg);
            Fault redirect = armed(Fault.Kind.REDIRECT, n);
            if (redirect != null && redirect.fire()) {
                HttpResponse res = new DefaultFullHttpResponse(req.protocolVersion(),
                        HttpResponseStatus.valueOf((int) redirect.amount));
                res.headers().set(HttpHeaderNames.LOCATION, redirect.text).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(res);
                return;
            }
            Fault status = armed(Fault.Kind.STATUS, n);
            if (status != null && status.fire()) {
                HttpResponse res = new DefaultFullHttpResponse(req.protocolVersion(),
                        HttpResponseStatus.valueOf((int) status.amount));
                res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(res);
                return;
            }
            DefaultFullHttpRequest out = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri());
            out.headers().set(req.headers());
            Fault change = armed(Fault.Kind.CHANGE_FILE, n);
            Fault ignore = armed(Fault.Kind.IGNORE_RANGE, n);
            String ifRange = out.headers().get(HttpHeaderNames.IF_RANGE);
            if (change != null && ifRange != null && ifRange.startsWith("\"changed-")) {
                // The client validates with the changed ETag: translate it back for the origin.
                out.headers().set(HttpHeaderNames.IF_RANGE, "\"" + ifRange.substring("\"changed-".length()));
            } else if (change != null && ifRange != null) {
                // A stale validator: a real server sends the whole (new) file.
                out.headers().remove(HttpHeaderNames.RANGE).remove(HttpHeaderNames.IF_RANGE);
            } else if (ignore != null && out.headers().contains(HttpHeaderNames.RANGE) && ignore.fire()) {
                out.headers().remove(HttpHeaderNames.RANGE).remove(HttpHeaderNames.IF_RANGE);
            }
            exchange = new Exchange(n);
            if (back != null && back.isActive()) {
                back.writeAndFlush(out);
                back.read();
                return;
            }
            Bootstrap b = new Bootstrap().group(ctx.channel().eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    // A modest window, like a real path: bounds what the origin pushes ahead of the client.
                    .option(ChannelOption.SO_RCVBUF, 128 * 1024)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new Back());
                        }
                    });
            b.connect(origin).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    out.release();
                    ctx.close();
                    return;
                }
                back = f.channel();
                back.writeAndFlush(out);
                back.read();
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (back != null) {
                back.close();
            }
            Exchange ex = exchange;
            if (ex != null && ex.held != null) {
                // A stall still holds content: the client is gone, so is the scheduled resumption's purpose.
                ex.held.forEach(h -> ((ByteBuf) h[0]).release());
                ex.held.clear();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        /** Per-response fault state. */
        private final class Exchange {
            final int request;
            long fileOffset = -1;
            long forwarded;
            boolean multipart;
            boolean endless;
            boolean closeAfter;
            boolean dead;
            /** Content that arrived while stalled (one socket read decodes into several), sent after the stall. */
            java.util.ArrayDeque<Object[]> held;

            Exchange(int request) {
                this.request = request;
            }
        }

        /** Origin side: rewrites the head, applies byte faults, forwards with backpressure. */
        private final class Back extends ChannelInboundHandlerAdapter {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                Exchange ex = exchange;
                if (ex == null || ex.dead || !front.channel().isActive()) {
                    ReferenceCountUtil.release(msg);
                    ctx.read();
                    return;
                }
                if (msg instanceof HttpResponse res) {
                    head(ex, res);
                }
                if (msg instanceof HttpContent c) {
                    body(ctx, ex, c);
                } else {
                    ctx.read();
                }
            }

            private void head(Exchange ex, HttpResponse res) {
                HttpResponse out = new DefaultHttpResponse(res.protocolVersion(), res.status());
                out.headers().set(res.headers());
                HttpHeaders h = out.headers();
                String cr = h.get(HttpHeaderNames.CONTENT_RANGE);
                ex.fileOffset = 0;
                if (res.status().code() == 206 && cr != null) {
                    Matcher m = CONTENT_RANGE.matcher(cr);
                    ex.fileOffset = m.matches() ? Long.parseLong(m.group(1)) : -1;
                }
                String ct = h.get(HttpHeaderNames.CONTENT_TYPE);
                ex.multipart = ct != null && ct.startsWith("multipart/");
                int n = ex.request;
                Fault f;
                if ((f = armed(Fault.Kind.CHANGE_FILE, n)) != null && f.fire()) {
                    String etag = h.get(HttpHeaderNames.ETAG);
                    if (etag != null) {
                        h.set(HttpHeaderNames.ETAG, "\"changed-" + etag.replace("\"", "") + "\"");
                    }
                    h.set(HttpHeaderNames.LAST_MODIFIED, "Thu, 01 Jan 2099 00:00:00 GMT");
                }
                if ((f = armed(Fault.Kind.LIE_CONTENT_LENGTH, n)) != null && h.contains(HttpHeaderNames.CONTENT_LENGTH)
                        && f.fire()) {
                    long cl = Long.parseLong(h.get(HttpHeaderNames.CONTENT_LENGTH));
                    h.set(HttpHeaderNames.CONTENT_LENGTH, cl + f.amount);
                    ex.closeAfter = true;
                }
                if (cr != null) {
                    Matcher m = CONTENT_RANGE.matcher(cr);
                    if (m.matches()) {
                        long first = Long.parseLong(m.group(1));
                        long last = Long.parseLong(m.group(2));
                        String total = m.group(3);
                        if ((f = armed(Fault.Kind.LIE_CONTENT_RANGE, n)) != null && f.fire()) {
                            first += f.amount;
                            last += f.amount;
                        }
                        if ((f = armed(Fault.Kind.LIE_TOTAL, n)) != null && f.fire()) {
                            total = String.valueOf(Long.parseLong(total) + f.amount);
                        }
                        h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + first + "-" + last + "/" + total);
                    }
                }
                if (ex.multipart && (f = armed(Fault.Kind.WRONG_BOUNDARY, n)) != null && f.fire()) {
                    h.set(HttpHeaderNames.CONTENT_TYPE, ct.replaceFirst("boundary=\"?([^\";]+)\"?", "boundary=$1x"));
                }
                if ((f = armed(Fault.Kind.ENDLESS_BODY, n)) != null && f.fire()) {
                    h.remove(HttpHeaderNames.CONTENT_LENGTH);
                    h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                    ex.endless = true;
                }
                front.write(out);
            }

            private void body(ChannelHandlerContext ctx, Exchange ex, HttpContent c) {
                ByteBuf data = c.content().retain();
                boolean last = c instanceof LastHttpContent;
                c.release();
                if (ex.held != null) {
                    ex.held.add(new Object[] {data, last});
                    return;
                }
                int n = ex.request;
                Fault f;
                long pos = ex.fileOffset + ex.forwarded;
                if (!ex.multipart && ex.fileOffset >= 0 && (f = armed(Fault.Kind.FLIP_BYTE_AT, n)) != null
                        && f.amount >= pos && f.amount < pos + data.readableBytes() && f.fire()) {
                    int i = data.readerIndex() + (int) (f.amount - pos);
                    ByteBuf copy = Unpooled.copiedBuffer(data);
                    data.release();
                    data = copy;
                    data.setByte(i, ~data.getByte(i));
                }
                if (!ex.multipart && ex.fileOffset >= 0 && (f = armed(Fault.Kind.TRUNCATE_AT, n)) != null
                        && pos + data.readableBytes() > f.amount && f.fire()) {
                    int keep = (int) Math.max(0, f.amount - pos);
                    sendThenKill(ex, data.readSlice(keep).retain(), false);
                    data.release();
                    return;
                }
                for (Fault.Kind k : new Fault.Kind[] {Fault.Kind.CUT_AFTER, Fault.Kind.RESET_AFTER}) {
                    if ((f = armed(k, n)) != null && ex.forwarded + data.readableBytes() > f.amount && f.fire()) {
                        int keep = (int) Math.max(0, f.amount - ex.forwarded);
                        sendThenKill(ex, data.readSlice(keep).retain(), k == Fault.Kind.RESET_AFTER);
                        data.release();
                        return;
                    }
                }
                if ((f = armed(Fault.Kind.STALL_AFTER, n)) != null && ex.forwarded + data.readableBytes() > f.amount
                        && f.fire()) {
                    int keep = (int) Math.max(0, f.amount - ex.forwarded);
                    forward(ex, data.readSlice(keep).retain(), false);
                    front.flush();
                    ex.held = new java.util.ArrayDeque<>();
                    ex.held.add(new Object[] {data, last});
                    ctx.executor().schedule(() -> {
                        java.util.ArrayDeque<Object[]> held = ex.held;
                        ex.held = null;
                        for (Object[] h : held) {
                            if (front.channel().isActive()) {
                                forwardAndRead(ctx, ex, (ByteBuf) h[0], (Boolean) h[1]);
                            } else {
                                ((ByteBuf) h[0]).release();
                            }
                        }
                    }, f.duration.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                }
                forwardAndRead(ctx, ex, data, last);
            }

            private void forwardAndRead(ChannelHandlerContext ctx, Exchange ex, ByteBuf data, boolean last) {
                if (last && ex.endless) {
                    forward(ex, data, false);
                    endless(ex);
                    return;
                }
                io.netty.channel.ChannelFuture written = forward(ex, data, last);
                front.flush();
                if (last && ex.closeAfter) {
                    front.close();
                    return;
                }
                written.addListener(w -> {
                    if (w.isSuccess()) {
                        ctx.read();
                    }
                });
            }

            private io.netty.channel.ChannelFuture forward(Exchange ex, ByteBuf data, boolean last) {
                int n = data.readableBytes();
                ex.forwarded += n;
                bytesToClient.addAndGet(n);
                return front.write(last ? new io.netty.handler.codec.http.DefaultLastHttpContent(data)
                        : new DefaultHttpContent(data));
            }

            private void sendThenKill(Exchange ex, ByteBuf keep, boolean reset) {
                ex.dead = true;
                forward(ex, keep, false);
                front.flush();
                if (reset) {
                    front.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                }
                front.close();
                back.close();
            }

            private void endless(Exchange ex) {
                if (!front.channel().isActive()) {
                    return;
                }
                ByteBuf junk = Unpooled.buffer(16 * 1024).writeZero(16 * 1024);
                bytesToClient.addAndGet(junk.readableBytes());
                front.writeAndFlush(new DefaultHttpContent(junk)).addListener(w -> {
                    if (w.isSuccess()) {
                        endless(ex);
                    }
                });
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                front.close();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }
}
