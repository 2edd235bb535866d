package dev.tandem.install.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

import java.io.Closeable;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * One HTTP/1.1 connection and the bounded hand-over between Netty's event loop and the reading thread.
 *
 * <p>Backpressure: the channel does not auto-read. The inbox handler asks for the next socket read only while
 * fewer than {@code highWater} body bytes wait in the inbox; the reader, after taking bytes out, asks again
 * once the inbox is below half. So at most {@code highWater} plus one socket read ({@link #MAX_READ}) plus the codec's
 * partial state sit in memory, whatever the size of the body; {@link CappedReads} keeps a read Netty armed on
 * its own within that bound too. Both sides race for the "suspended" flag with a
 * compare-and-set, so exactly one of them resumes reading.
 *
 * <p>Ownership: every {@link HttpContent} in the inbox is owned by the inbox; {@link #next} hands it to the
 * caller, who releases it. {@link #close} releases what is left, on the event loop, after which late messages
 * are released on arrival.
 */
final class HttpConnection implements Closeable {

    /** Marks the end of the channel in the inbox. */
    private static final Object INACTIVE = new Object();

    final String key;
    private final Channel channel;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean suspended = new AtomicBoolean();
    /** The largest socket read, and so the largest body fragment handed to the reader. */
    static final int MAX_READ = 256 * 1024;

    private final int highWater;
    private final AtomicLong received;
    private final AtomicLong maxQueued;
    private volatile boolean discarded;
    private boolean poisoned;
    private String context = "";

    private HttpConnection(String key, Channel channel, int highWater, AtomicLong received, AtomicLong maxQueued) {
        this.key = key;
        this.channel = channel;
        this.highWater = highWater;
        this.received = received;
        this.maxQueued = maxQueued;
    }

    /**
     * Connects, through {@code proxy} when given (a CONNECT tunnel when {@code tunnel}, else a plain hop to the
     * proxy), and finishes the TLS handshake when {@code ssl} is given.
     *
     * @param received  counts body bytes of every response on this connection
     * @param maxQueued records the largest number of body bytes that ever waited in the inbox
     */
    static HttpConnection open(EventLoopGroup group, String key, String host, int port, SslContext ssl,
                               ProxyRoute.Proxy proxy, boolean tunnel, Duration connectTimeout, int highWater,
                               AtomicLong received, AtomicLong maxQueued, String context) throws SourceException {
        long timeoutMs = connectTimeout.toMillis();
        NioSocketChannel ch = new NioSocketChannel();
        ch.config().setAutoRead(false);
        ch.config().setTcpNoDelay(true);
        ch.config().setConnectTimeoutMillis((int) Math.min(Integer.MAX_VALUE, timeoutMs));
        HttpConnection c = new HttpConnection(key, ch, highWater, received, maxQueued);
        // Socket reads of up to 256 KiB (Netty's default stops at 64 KiB) and body fragments as large as a read
        // (the codec's were 16 KiB): each fragment is one hand-over to the reading thread, and at 16 KiB those
        // hand-overs cost more CPU than the bytes. A 512 MiB install from nginx: 5.3-6.6 -> 3.8-4.3 CPU-s
        // (1 MiB reads bought nothing more). The inbox holds at most the high-water mark plus one read.
        ch.config().setRecvByteBufAllocator(new CappedReads(MAX_READ,
                () -> (long) highWater + MAX_READ - c.queuedBytes.get()));
        c.context = context;
        SocketAddress remote;
        HttpProxyHandler proxyHandler = null;
        SslHandler sslHandler = null;
        ChannelPipeline p = ch.pipeline();
        if (proxy != null && tunnel) {
            // The proxy resolves the destination; only the proxy's own address is resolved here.
            remote = InetSocketAddress.createUnresolved(host, port);
            InetSocketAddress proxyAddress = resolve(proxy.host(), proxy.port(), context);
            proxyHandler = proxy.username() == null
                    ? new HttpProxyHandler(proxyAddress)
                    : new HttpProxyHandler(proxyAddress, proxy.username(),
                    proxy.password() == null ? "" : proxy.password());
            proxyHandler.setConnectTimeoutMillis(timeoutMs);
            p.addLast("proxy", proxyHandler);
        } else if (proxy != null) {
            remote = resolve(proxy.host(), proxy.port(), context);
        } else {
            remote = resolve(host, port, context);
        }
        if (ssl != null) {
            sslHandler = ssl.newHandler(ch.alloc(), host, port);
            sslHandler.setHandshakeTimeoutMillis(timeoutMs);
            p.addLast("tls", sslHandler);
        }
        // Headers up to 16 KiB; body fragments of at most one read each (see the receive buffers above).
        p.addLast("http", new HttpClientCodec(4096, 16 * 1024, MAX_READ));
        p.addLast("inbox", c.new InboxHandler());
        try {
            await(group.register(ch), timeoutMs + 1000, c, "register");
        } catch (SourceException e) {
            c.close();
            throw e;
        }
        ChannelFuture cf = ch.connect(remote);
        try {
            await(cf, timeoutMs + 1000, c, "connect");
            if (proxyHandler != null) {
                await(proxyHandler.connectFuture(), timeoutMs + 1000, c, "proxy");
            }
            if (sslHandler != null) {
                ch.read();
                await(sslHandler.handshakeFuture(), timeoutMs + 1000, c, "tls");
            }
        } catch (SourceException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static void await(Future<?> f, long timeoutMs, HttpConnection c, String step) throws SourceException {
        boolean done;
        try {
            done = f.await(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Reason.NETWORK, 0, c.context + ": interrupted", false, e);
        }
        if (!done) {
            throw SourceException.retriable(SourceException.Reason.TIMEOUT, 0,
                    c.context + ": " + step + " timed out after " + timeoutMs + " ms", null);
        }
        if (!f.isSuccess()) {
            throw c.classify(f.cause(), step);
        }
    }

    /** Turns a transport failure into a source failure: TLS handshake problems are final, the rest retriable. */
    SourceException classify(Throwable t, String step) {
        Throwable root = t;
        for (Throwable x = t; x != null; x = x.getCause()) {
            if (x instanceof SSLException || x instanceof ProxyConnectException
                    || x instanceof UnknownHostException || x instanceof ConnectException) {
                root = x;
                break;
            }
        }
        String detail = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (root instanceof SslHandshakeTimeoutException) {
            return SourceException.retriable(SourceException.Reason.TIMEOUT, 0,
                    context + ": TLS handshake timed out", root);
        }
        if (root instanceof SSLHandshakeException || ("tls".equals(step) && root instanceof SSLException)) {
            return new SourceException(SourceException.Reason.TLS, 0, context + ": TLS handshake failed: "
                    + oneLine(detail), false, root);
        }
        if (root instanceof io.netty.channel.ConnectTimeoutException) {
            return SourceException.retriable(SourceException.Reason.TIMEOUT, 0,
                    context + ": connect timed out", root);
        }
        return SourceException.retriable(SourceException.Reason.NETWORK, 0,
                context + ": " + (step.isEmpty() ? "" : step + ": ") + oneLine(detail), root);
    }

    private static String oneLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Whether a new request may go out on this connection. */
    boolean isReusable() {
        return !discarded && !poisoned && channel.isActive() && inbox.isEmpty();
    }

    /** Sends a request; {@code context} ("GET url (range)") prefixes every failure message from now on. */
    void send(HttpRequest request, String context) throws SourceException {
        this.context = context;
        channel.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                inbox.add(f.cause());
            }
        });
        channel.read();
    }

    /** The head of the response, or a failure. */
    HttpResponse awaitHead(Duration stall) throws SourceException {
        HttpObject o = next(stall);
        if (o instanceof HttpResponse r) {
            return r;
        }
        ReferenceCountUtil.release(o);
        poisoned = true;
        throw new SourceException(SourceException.Reason.PROTOCOL, 0, context + ": body without a response head",
                false, null);
    }

    /**
     * The next message of the response. Content belongs to the caller afterwards. Throws a retriable
     * {@link SourceException} when nothing arrives within {@code stall} or the connection breaks.
     */
    HttpObject next(Duration stall) throws SourceException {
        Object o;
        try {
            o = inbox.poll(stall.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceException(SourceException.Reason.NETWORK, 0, context + ": interrupted", false, e);
        }
        if (o == null) {
            poisoned = true;
            throw SourceException.retriable(SourceException.Reason.TIMEOUT, 0,
                    context + ": no data for " + stall.toMillis() + " ms", null);
        }
        if (o == INACTIVE) {
            poisoned = true;
            inbox.add(INACTIVE);
            throw SourceException.retriable(SourceException.Reason.NETWORK, 0, context + ": connection closed", null);
        }
        if (o instanceof Throwable t) {
            poisoned = true;
            throw classify(t, "");
        }
        HttpObject h = (HttpObject) o;
        if (h instanceof HttpContent c) {
            long q = queuedBytes.addAndGet(-c.content().readableBytes());
            if (q < highWater / 2 && suspended.compareAndSet(true, false)) {
                channel.read();
            }
        }
        DecoderResult r = h.decoderResult();
        if (r.isFailure()) {
            ReferenceCountUtil.release(h);
            poisoned = true;
            Throwable cause = r.cause();
            if (cause instanceof PrematureChannelClosureException) {
                throw SourceException.retriable(SourceException.Reason.NETWORK, 0,
                        context + ": connection closed before the end of the response", cause);
            }
            throw new SourceException(SourceException.Reason.PROTOCOL, 0, context + ": malformed response: "
                    + oneLine(String.valueOf(cause.getMessage())), false, cause);
        }
        return h;
    }

    /** Marks the connection as not reusable (a response was abandoned or ended with Connection: close). */
    void poison() {
        poisoned = true;
    }

    @Override
    public void close() {
        discarded = true;
        channel.close();
        if (!channel.isRegistered()) {
            releaseInbox();
            return;
        }
        try {
            // On the event loop, after which nothing more is added (channelRead sees "discarded").
            channel.eventLoop().execute(this::releaseInbox);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            releaseInbox();
        }
    }

    private void releaseInbox() {
        Object o;
        while ((o = inbox.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
    }

    /** Hands messages from the event loop to the inbox and decides when to read from the socket again. */
    private final class InboxHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpContent c) {
                int n = c.content().readableBytes();
                received.addAndGet(n);
                if (discarded) {
                    c.release();
                    return;
                }
                long q = queuedBytes.addAndGet(n);
                maxQueued.accumulateAndGet(q, Math::max);
            } else if (discarded) {
                ReferenceCountUtil.release(msg);
                return;
            }
            inbox.add(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (discarded) {
                return;
            }
            if (queuedBytes.get() < highWater) {
                ctx.read();
                return;
            }
            suspended.set(true);
            // The reader may have drained the inbox between the check and the flag: re-check.
            if (queuedBytes.get() < highWater / 2 && suspended.compareAndSet(true, false)) {
                ctx.read();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!discarded) {
                inbox.add(cause);
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!discarded) {
                inbox.add(INACTIVE);
            } else {
                releaseInbox();
            }
        }
    }

    @Override
    public String toString() {
        return key;
    }

    private static InetSocketAddress resolve(String host, int port, String context) throws SourceException {
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw SourceException.retriable(SourceException.Reason.NETWORK, 0,
                    context + ": cannot resolve " + host, null);
        }
        return a;
    }
}
