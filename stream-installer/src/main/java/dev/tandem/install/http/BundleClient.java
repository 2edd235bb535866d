package dev.tandem.install.http;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.Closeable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends the GET requests of one {@link HttpSource}: one keep-alive connection at a time (through a proxy when
 * the environment names one), redirects, the request budget, and who gets the credentials. Configured headers
 * and the client certificate go only to the configured origin (scheme, host and port of the URL given to
 * {@link HttpSource#open}); a redirect elsewhere is followed without them; https is never redirected to http.
 * A redirect target is remembered for the following requests (resumes, ranges), and forgotten when it answers
 * 401, 403, 404 or 410 (signed, expiring URLs), in favour of the configured URL.
 */
final class BundleClient implements Closeable {

    /** Redirects followed per request (ARCHITECTURE.md §4): a loop or a long chain fails instead of spinning. */
    static final int MAX_REDIRECTS = 5;

    private static final System.Logger LOG = System.getLogger(BundleClient.class.getName());

    /** A response head on its connection, after redirects; {@code context} is "GET url (range)" for messages. */
    record Response(HttpConnection connection, HttpResponse head, String context) {
        int status() {
            return head.status().code();
        }

        HttpHeaders headers() {
            return head.headers();
        }

        /** Drops the body of a response that will not be read (closes the connection unless it is tiny). */
        void abandon(Duration stall) {
            long len = HttpUtil.getContentLength(head, -1L);
            new ResponseBody(connection, context, -1, len, -1, HttpUtil.isKeepAlive(head), stall).abandon();
        }
    }

    private final URI url;
    private final HttpOptions options;
    private final EventLoopGroup group;
    private final ProxyRoute proxies;
    private final AtomicLong received;
    private final AtomicLong maxBuffered;
    private SslContext sslOrigin;
    private SslContext sslOther;
    private URI location;
    private HttpConnection connection;
    private int requests;

    /**
     * @param received    counts body bytes of every response
     * @param maxBuffered records the most body bytes ever waiting for the reader
     */
    BundleClient(URI url, HttpOptions options, AtomicLong received, AtomicLong maxBuffered) {
        this.url = url;
        this.location = url;
        this.options = options;
        this.received = received;
        this.maxBuffered = maxBuffered;
        this.proxies = new ProxyRoute(options.proxyEnv());
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tandem-http", true),
                NioIoHandler.newFactory());
    }

    /** GET requests sent so far, redirects and retries included. */
    int requestsSent() {
        return requests;
    }

    /**
     * Sends one GET for the bundle (following redirects) and returns the final response head. {@code range} is a
     * Range header value or null; {@code ifRange} (a validator, or null) is sent with it.
     */
    Response request(String range, String ifRange) throws SourceException {
        URI target = location;
        boolean fellBack = false;
        for (int hop = 0; ; hop++) {
            boolean trusted = sameOrigin(target, url);
            String context = "GET " + display(target) + (range == null ? "" : " (" + abbreviate(range) + ")");
            if (options.maxRequests() > 0 && requests >= options.maxRequests()) {
                throw new SourceException(SourceException.Reason.TOO_MANY_REQUESTS, context
                        + ": request budget of " + options.maxRequests() + " requests spent");
            }
            HttpConnection c = connectionFor(target, trusted, context);
            requests++;
            c.send(buildRequest(target, range, ifRange, trusted), context);
            HttpResponse head = c.awaitHead(options.stallTimeout());
            Response r = new Response(c, head, context);
            int st = head.status().code();
            if (st == 301 || st == 302 || st == 303 || st == 307 || st == 308) {
                String loc = head.headers().get(HttpHeaderNames.LOCATION);
                r.abandon(options.stallTimeout());
                if (hop >= MAX_REDIRECTS) {
                    throw new SourceException(SourceException.Reason.REDIRECT, context + ": more than "
                            + MAX_REDIRECTS + " redirects");
                }
                if (loc == null) {
                    throw new SourceException(SourceException.Reason.REDIRECT, context + ": " + st
                            + " without Location");
                }
                URI next;
                try {
                    next = target.resolve(new URI(loc.trim())).normalize();
                } catch (URISyntaxException | IllegalArgumentException e) {
                    throw new SourceException(SourceException.Reason.REDIRECT, context + ": bad Location");
                }
                String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || next.getHost() == null) {
                    throw new SourceException(SourceException.Reason.REDIRECT,
                            context + ": redirect to a non-http URL");
                }
                if (isHttps(target) && !scheme.equals("https")) {
                    throw new SourceException(SourceException.Reason.REDIRECT, context
                            + ": refusing redirect from https to " + display(next));
                }
                LOG.log(System.Logger.Level.DEBUG, "{0}: {1} to {2}", context, st, display(next));
                target = next;
                continue;
            }
            if (!fellBack && hop == 0 && !target.equals(url) && (st == 401 || st == 403 || st == 404 || st == 410)) {
                // A remembered redirect target (often a signed, expiring URL) went stale: ask the origin again.
                r.abandon(options.stallTimeout());
                fellBack = true;
                target = url;
                location = url;
                hop = -1;
                continue;
            }
            location = target;
            return r;
        }
    }

    private FullHttpRequest buildRequest(URI target, String range, String ifRange, boolean trusted) {
        ProxyRoute.Proxy proxy = proxies.select(target);
        boolean absoluteForm = proxy != null && !isHttps(target);
        String path = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
        String uri = target.getRawQuery() == null ? path : path + "?" + target.getRawQuery();
        if (absoluteForm) {
            uri = "http://" + hostHeader(target) + uri;
        }
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        HttpHeaders h = req.headers();
        h.set(HttpHeaderNames.HOST, hostHeader(target));
        h.set(HttpHeaderNames.USER_AGENT, "tandem");
        h.set(HttpHeaderNames.ACCEPT, "*/*");
        // Content-Encoding would change offsets: Range counts bytes of the representation as stored.
        h.set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        if (trusted) {
            for (Map.Entry<String, String> e : options.headers().entrySet()) {
                h.set(e.getKey(), e.getValue());
            }
        }
        if (absoluteForm && proxy.authorization() != null) {
            h.set(HttpHeaderNames.PROXY_AUTHORIZATION, proxy.authorization());
        }
        if (range != null) {
            h.set(HttpHeaderNames.RANGE, range);
            if (ifRange != null) {
                h.set(HttpHeaderNames.IF_RANGE, ifRange);
            }
        }
        return req;
    }

    private HttpConnection connectionFor(URI target, boolean trusted, String context) throws SourceException {
        String key = target.getScheme().toLowerCase(Locale.ROOT) + "://" + hostHeader(target) + (trusted ? "#c" : "");
        if (connection != null) {
            if (connection.key.equals(key) && connection.isReusable()) {
                return connection;
            }
            connection.close();
            connection = null;
        }
        ProxyRoute.Proxy proxy = proxies.select(target);
        SslContext ssl = isHttps(target) ? ssl(trusted) : null;
        connection = HttpConnection.open(group, key, target.getHost(), portOf(target), ssl, proxy, isHttps(target),
                options.connectTimeout(), options.bufferBytes(), received, maxBuffered, context);
        return connection;
    }

    private SslContext ssl(boolean withClientCert) throws SourceException {
        try {
            if (withClientCert) {
                if (sslOrigin == null) {
                    sslOrigin = buildSsl(true);
                }
                return sslOrigin;
            }
            if (sslOther == null) {
                sslOther = buildSsl(false);
            }
            return sslOther;
        } catch (Exception e) {
            throw new SourceException(SourceException.Reason.TLS, 0, display(url) + ": cannot load TLS material: "
                    + e.getMessage(), false, e);
        }
    }

    private SslContext buildSsl(boolean withClientCert) throws javax.net.ssl.SSLException {
        SslContextBuilder b = SslContextBuilder.forClient()
                .endpointIdentificationAlgorithm("HTTPS")
                .protocols("TLSv1.3", "TLSv1.2");
        if (options.caFile() != null) {
            b.trustManager(options.caFile().toFile());
        }
        if (withClientCert && options.clientCert() != null) {
            b.keyManager(options.clientCert().toFile(), options.clientKey().toFile());
        }
        return b.build();
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    // ---- URLs -----------------------------------------------------------------------------------------------

    static boolean isHttps(URI u) {
        return "https".equalsIgnoreCase(u.getScheme());
    }

    static int portOf(URI u) {
        return u.getPort() >= 0 ? u.getPort() : isHttps(u) ? 443 : 80;
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && portOf(a) == portOf(b);
    }

    private static String hostHeader(URI u) {
        String host = u.getHost();
        boolean defaultPort = u.getPort() < 0 || u.getPort() == (isHttps(u) ? 443 : 80);
        return defaultPort ? host : host + ":" + u.getPort();
    }

    /** A URL for messages: scheme, host, port and path; never user info, query or fragment (they carry secrets). */
    static String display(URI u) {
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT) + "://";
        String host = u.getHost() == null ? "" : u.getHost();
        String port = u.getPort() >= 0 ? ":" + u.getPort() : "";
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        return scheme + host + port + path;
    }

    private static String abbreviate(String range) {
        return range.length() <= 60 ? range : range.substring(0, 57) + "...";
    }
}
