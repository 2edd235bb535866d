package dev.tandem.install.http;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocketFactory;

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
    record Response(HttpConnection connection, ResponseHead head, String context) {
        int status() {
            return head.status();
        }

        /** Drops the body of a response that will not be read (closes the connection unless it is tiny). */
        void abandon(Duration stall) {
            new ResponseBody(connection, context, -1, head.contentLength(), -1, stall).abandon();
        }
    }

    private final URI url;
    private final HttpOptions options;
    private final ProxyRoute proxies;
    private final AtomicLong received;
    private SSLSocketFactory tlsOrigin;
    private SSLSocketFactory tlsOther;
    private URI location;
    private HttpConnection connection;
    private int requests;

    /** @param received counts body bytes of every response */
    BundleClient(URI url, HttpOptions options, AtomicLong received) {
        this.url = url;
        this.location = url;
        this.options = options;
        this.received = received;
        this.proxies = new ProxyRoute(options.proxyEnv());
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
            byte[] request = buildRequest(target, range, ifRange, trusted);
            HttpConnection c = connectionFor(target, trusted, context);
            ResponseHead head;
            try {
                head = exchange(c, request, context);
            } catch (SourceException e) {
                if (!c.closedUnanswered()) {
                    throw e;
                }
                // A kept-alive connection that the server closed as the request went out (its idle timeout,
                // within the moment HttpConnection#isReusable cannot see): the GET was never answered, so it is
                // sent again on a new connection (RFC 9112 §9.3.1), once, without a backoff.
                LOG.log(System.Logger.Level.DEBUG, "{0}: kept-alive connection closed unanswered; reconnecting",
                        context);
                c.close();
                connection = null;
                c = connectionFor(target, trusted, context);
                head = exchange(c, request, context);
            }
            Response r = new Response(c, head, context);
            int st = head.status();
            if (st == 301 || st == 302 || st == 303 || st == 307 || st == 308) {
                String loc = head.get("Location");
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

    /** Sends {@code request} on {@code c} within the request budget and awaits the head of the answer. */
    private ResponseHead exchange(HttpConnection c, byte[] request, String context) throws SourceException {
        if (options.maxRequests() > 0 && requests >= options.maxRequests()) {
            throw new SourceException(SourceException.Reason.TOO_MANY_REQUESTS, context
                    + ": request budget of " + options.maxRequests() + " requests spent");
        }
        requests++;
        c.send(request, context);
        return c.awaitHead(options.stallTimeout());
    }

    private byte[] buildRequest(URI target, String range, String ifRange, boolean trusted) {
        ProxyRoute.Proxy proxy = proxies.select(target);
        boolean absoluteForm = proxy != null && !isHttps(target);
        // The request line carries only ASCII: characters beyond it are percent-encoded.
        URI ascii = URI.create(target.toASCIIString());
        String path = ascii.getRawPath() == null || ascii.getRawPath().isEmpty() ? "/" : ascii.getRawPath();
        String uri = ascii.getRawQuery() == null ? path : path + "?" + ascii.getRawQuery();
        if (absoluteForm) {
            uri = "http://" + hostHeader(ascii) + uri;
        }
        StringBuilder h = new StringBuilder(256).append("GET ").append(uri).append(" HTTP/1.1\r\n");
        header(h, "Host", hostHeader(ascii));
        header(h, "User-Agent", "tandem");
        header(h, "Accept", "*/*");
        // Content-Encoding would change offsets: Range counts bytes of the representation as stored.
        header(h, "Accept-Encoding", "identity");
        if (trusted) {
            for (Map.Entry<String, String> e : options.headers().entrySet()) {
                header(h, e.getKey(), e.getValue());
            }
        }
        if (absoluteForm && proxy.authorization() != null) {
            header(h, "Proxy-Authorization", proxy.authorization());
        }
        if (range != null) {
            header(h, "Range", range);
            if (ifRange != null) {
                header(h, "If-Range", ifRange);
            }
        }
        return HttpConnection.encode(h.append("\r\n"));
    }

    /**
     * Appends one header line. Configured values are checked for line breaks when read (HttpOptions), a
     * validator from the server when its head was parsed (HttpConnection), the rest are built here.
     */
    private static void header(StringBuilder h, String name, String value) {
        h.append(name).append(": ").append(value).append("\r\n");
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
        SSLSocketFactory tls = isHttps(target) ? tls(trusted) : null;
        connection = HttpConnection.open(key, target.getHost(), portOf(target), tls, proxy, isHttps(target),
                options.connectTimeout(), received, context);
        return connection;
    }

    /** The TLS of the configured origin (with the client certificate) or of any other host (without). */
    private SSLSocketFactory tls(boolean withClientCert) throws SourceException {
        try {
            if (withClientCert) {
                if (tlsOrigin == null) {
                    tlsOrigin = PemTls.sslContext(options.caFile(), options.clientCert(), options.clientKey())
                            .getSocketFactory();
                }
                return tlsOrigin;
            }
            if (tlsOther == null) {
                tlsOther = PemTls.sslContext(options.caFile(), null, null).getSocketFactory();
            }
            return tlsOther;
        } catch (IOException e) {
            throw new SourceException(SourceException.Reason.TLS, 0, display(url) + ": cannot load TLS material: "
                    + e.getMessage(), false, e);
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
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
