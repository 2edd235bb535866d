package dev.tandem.agent.ddi;

import dev.tandem.install.http.HttpOptions;
import dev.tandem.install.http.PemTls;
import dev.tandem.install.http.ProxyRoute;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

/**
 * Talks DDI to one controller: {@code {server}/{tenant}/controller/v1/{controllerId}}. Plain
 * {@link HttpURLConnection}s (keep-alive through the JDK's connection cache): the idle agent polls a few small
 * JSON documents an hour, and the JDK's newer {@code java.net.http} client would keep a selector thread and some
 * 400 more classes (and TLS, even for http) resident for that.
 *
 * <p>The server's answers are hostile input (SECURITY.md, "Hostile or intercepted update server"):
 * <ul>
 * <li>a body is read up to {@link #MAX_BODY_BYTES} (a larger {@code Content-Length} is refused before reading;
 *     an error answer's body is drained up to {@link #MAX_ERROR_BODY_BYTES}), and each exchange ends within the
 *     request timeout however slowly the server sends: a watchdog closes the connection at the deadline;</li>
 * <li>the JSON is parsed under {@link DdiJson}'s limits (depth, number, string and name lengths);</li>
 * <li>the {@code Authorization} header goes only to the configured server's scheme, host and port: a link to
 *     anywhere else is refused ({@link DdiException.Kind#REFUSED}), and redirects are never followed.</li>
 * </ul>
 * Configured like the downloads, from the same {@link HttpOptions} ({@code [http]}, ARCHITECTURE.md §11): its
 * trust anchors, client certificate and headers go to the server (only there: every request of this client is on
 * the server's origin), its connect timeout applies, and proxies come from {@code HTTPS_PROXY} /
 * {@code HTTP_PROXY} / {@code NO_PROXY}, read by the downloads' own {@link ProxyRoute}; the JVM's proxy settings
 * ({@code http.proxyHost}, ...) are never used, as the downloads never use them. Blocking; called from the agent's
 * one scheduler thread.
 */
public final class DdiClient {

    /** The largest DDI answer read: hawkBit's are a few KiB, so 1 MiB leaves room and still bounds the heap. */
    public static final int MAX_BODY_BYTES = 1 << 20;
    /** An answer that is not 2xx is only drained (to reuse the connection) up to this; more closes it. */
    public static final int MAX_ERROR_BODY_BYTES = 64 * 1024;

    private static final String JSON = "application/json";
    private static final String HAL_JSON = "application/hal+json";

    /** Closes the connections of exchanges past their deadline; one daemon thread for every client. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-ddi-deadline");
        t.setDaemon(true);
        return t;
    });

    private final URI server;
    private final URI base;
    private final String authorization;
    /** {@code [http] headers}: sent to the server before this client's own, which win. */
    private final Map<String, String> headers;
    private final int connectTimeoutMs;
    private final int requestTimeoutMs;
    private final SSLSocketFactory tls;
    private final ProxyRoute proxies;
    /** One factory per proxy, so that the JDK's keep-alive cache (keyed by factory) reuses tunnels. */
    private final Map<ProxyRoute.Proxy, ProxyTunnel> tunnels = new ConcurrentHashMap<>();

    /**
     * @param server         the server URL ({@code [agent] server}); a path prefix is kept
     * @param tenant         the DDI tenant
     * @param controllerId   this device's controller id
     * @param authorization  the {@code Authorization} header value ({@code TargetToken …}), or null
     * @param ssl            the TLS context for https, null for the JDK's default trust
     * @param connectTimeout TCP + TLS connect
     * @param requestTimeout the longest an exchange may take once connected (request, answer head and body)
     * @param proxyEnv       the environment holding {@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}
     * @throws IllegalArgumentException when a proxy variable is not an http:// URL
     */
    public DdiClient(URI server, String tenant, String controllerId, String authorization, SSLContext ssl,
                     Duration connectTimeout, Duration requestTimeout, Map<String, String> proxyEnv) {
        this(server, tenant, controllerId, authorization, ssl, Map.of(), connectTimeout, requestTimeout, proxyEnv);
    }

    /**
     * A client configured as the downloads from {@code server} are: {@code http}'s CA file, client certificate,
     * headers, connect timeout and proxy environment.
     *
     * @param requestTimeout the longest an exchange may take once connected
     * @throws IOException              when a TLS file cannot be read or holds nothing usable (one line)
     * @throws IllegalArgumentException when a proxy variable is not an http:// URL
     */
    public DdiClient(URI server, String tenant, String controllerId, String authorization, HttpOptions http,
                     Duration requestTimeout) throws IOException {
        this(server, tenant, controllerId, authorization, PemTls.of(http), http.headers(), http.connectTimeout(),
                requestTimeout, http.proxyEnv());
    }

    private DdiClient(URI server, String tenant, String controllerId, String authorization, SSLContext ssl,
                      Map<String, String> headers, Duration connectTimeout, Duration requestTimeout,
                      Map<String, String> proxyEnv) {
        String s = server.toString();
        this.server = server;
        this.base = URI.create((s.endsWith("/") ? s : s + "/") + encode(tenant) + "/controller/v1/"
                + encode(controllerId));
        this.authorization = authorization;
        this.headers = Map.copyOf(headers);
        this.connectTimeoutMs = (int) Objects.requireNonNull(connectTimeout, "connectTimeout").toMillis();
        this.requestTimeoutMs = (int) Objects.requireNonNull(requestTimeout, "requestTimeout").toMillis();
        this.tls = ssl == null ? null : ssl.getSocketFactory();
        this.proxies = new ProxyRoute(proxyEnv);
    }

    /** The controller base resource, the URL that is polled. */
    public URI base() {
        return base;
    }

    /** Whether {@code uri} has the configured server's scheme, host and port: the only place the token goes. */
    public boolean onServer(URI uri) {
        return sameOrigin(uri, server);
    }

    /** Whether two URLs have the same scheme, host and port (the default port of the scheme when none is given). */
    public static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getHost() != null && b.getScheme() != null && b.getHost() != null
                && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && portOf(a) == portOf(b);
    }

    /** The configured server URL. */
    public URI server() {
        return server;
    }

    /** Polls: {@code GET {base}}. */
    public DdiControllerBase poll() throws DdiException {
        return get(base, DdiControllerBase.class);
    }

    /** Reads an update action from its {@code deploymentBase} link; a link off the server is refused. */
    public DdiDeploymentBase deploymentBase(DdiLink link) throws DdiException {
        return get(onServerOnly(link, "deploymentBase"), DdiDeploymentBase.class);
    }

    /** Reads a cancel request from its {@code cancelAction} link; a link off the server is refused. */
    public DdiCancel cancelAction(DdiLink link) throws DdiException {
        return get(onServerOnly(link, "cancelAction"), DdiCancel.class);
    }

    /**
     * Sends feedback about {@code actionId} to the resource {@code status} belongs to
     * ({@code deploymentBase/{id}/feedback} or {@code cancelAction/{id}/feedback}), composed from the configured
     * server's URL, never from a link.
     */
    public void feedback(UpdateStatus status, DdiActionFeedback feedback) throws DdiException {
        String resource = status.endpoint() == UpdateStatus.Endpoint.CANCEL ? "cancelAction" : "deploymentBase";
        send("POST", URI.create(base + "/" + resource + "/" + encode(feedback.id()) + "/feedback"),
                DdiJson.write(feedback));
    }

    /** Sends the device's attributes: {@code PUT {base}/configData}. */
    public void configData(DdiConfigData data) throws DdiException {
        send("PUT", URI.create(base + "/configData"), DdiJson.write(data));
    }

    private URI onServerOnly(DdiLink link, String rel) throws DdiException {
        URI uri = link.uri();
        if (!onServer(uri)) {
            throw new DdiException(DdiException.Kind.REFUSED, 0, rel + " link " + display(uri) + " refused: not on"
                    + " the configured server " + display(server) + " (the token goes only there)", null);
        }
        return uri;
    }

    private <T> T get(URI uri, Class<T> type) throws DdiException {
        byte[] body = exchange("GET", uri, null);
        try {
            return DdiJson.read(body, type);
        } catch (IOException e) {
            throw new DdiException(DdiException.Kind.PROTOCOL, 200, "GET " + display(uri) + ": " + e.getMessage(), e);
        }
    }

    private void send(String method, URI uri, byte[] body) throws DdiException {
        exchange(method, uri, body);
    }

    /**
     * One request; returns the body of a 2xx answer, and drains (so the connection is reused) a small other one.
     * The connection is closed at the deadline, whatever it is doing.
     */
    private byte[] exchange(String method, URI uri, byte[] body) throws DdiException {
        String context = method + " " + display(uri);
        if (!onServer(uri)) {
            // Every URL is composed from the server's or checked by the caller; this is the last line of defence.
            throw new DdiException(DdiException.Kind.REFUSED, 0, context + ": not on the configured server", null);
        }
        HttpURLConnection c;
        ProxyRoute.Proxy proxy = proxies.select(uri);
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        try {
            // https through a proxy: the tunnel is this client's own (ProxyTunnel); plain http: the JDK's hop.
            // NO_PROXY, not openConnection(): the JVM's ProxySelector (http.proxyHost, ...) must not choose.
            Proxy hop = proxy == null || https ? Proxy.NO_PROXY
                    : new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxy.host(), proxy.port()));
            c = (HttpURLConnection) uri.toURL().openConnection(hop);
        } catch (IOException | IllegalArgumentException e) {
            throw new DdiException(DdiException.Kind.PROTOCOL, 0, context + ": " + e.getMessage(), e);
        }
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> deadline = WATCHDOG.schedule(() -> {
            expired.set(true);
            c.disconnect();
        }, (long) connectTimeoutMs + requestTimeoutMs, TimeUnit.MILLISECONDS);
        try {
            return exchange(c, method, body, proxy, context);
        } catch (DdiException e) {
            throw expired.get() ? timedOut(context, e) : e;
        } catch (SocketTimeoutException e) {
            c.disconnect();
            throw new DdiException(DdiException.Kind.NETWORK, 0, context + ": timed out", e);
        } catch (ConnectException e) {
            throw expired.get() ? timedOut(context, e) : new DdiException(DdiException.Kind.NETWORK, 0, context
                    + ": cannot connect" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        } catch (SSLException e) {
            c.disconnect();
            throw expired.get() ? timedOut(context, e)
                    : new DdiException(DdiException.Kind.NETWORK, 0, context + ": TLS: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            // RuntimeException: HttpURLConnection's header parser throws some (IllegalArgumentException, ...).
            c.disconnect();
            throw expired.get() ? timedOut(context, e)
                    : new DdiException(DdiException.Kind.NETWORK, 0, context + ": " + DdiJson.oneLine(e.toString()), e);
        } finally {
            deadline.cancel(false);
        }
    }

    private static DdiException timedOut(String context, Exception e) {
        return new DdiException(DdiException.Kind.NETWORK, 0, context + ": no complete answer within the request"
                + " timeout", e);
    }

    private byte[] exchange(HttpURLConnection c, String method, byte[] body, ProxyRoute.Proxy proxy, String context)
            throws IOException {
        if (c instanceof HttpsURLConnection https) {
            SSLSocketFactory factory = tls != null ? tls : HttpsURLConnection.getDefaultSSLSocketFactory();
            https.setSSLSocketFactory(proxy == null ? factory : tunnels.computeIfAbsent(proxy,
                    p -> new ProxyTunnel(p, factory)));
        }
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setConnectTimeout(connectTimeoutMs);
        c.setReadTimeout(requestTimeoutMs);
        c.setRequestMethod(method);
        headers.forEach(c::setRequestProperty);
        // As the downloads: the JDK's default ("Java/17.0.x") would tell every server the runtime's patch level.
        c.setRequestProperty("User-Agent", "tandem");
        c.setRequestProperty("Accept", body == null ? HAL_JSON + ", " + JSON : JSON);
        if (authorization != null) {
            c.setRequestProperty("Authorization", authorization);
        }
        if (proxy != null && proxy.authorization() != null && !(c instanceof HttpsURLConnection)) {
            c.setRequestProperty("Proxy-Authorization", proxy.authorization());
        }
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", JSON);
            c.setFixedLengthStreamingMode(body.length);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
        }
        int st = c.getResponseCode();
        if (st >= 200 && st < 300) {
            try (InputStream in = c.getInputStream()) {
                return readBounded(c, in, MAX_BODY_BYTES, st, context);
            }
        }
        try (InputStream err = c.getErrorStream()) {
            if (err != null) {
                readBounded(c, err, MAX_ERROR_BODY_BYTES, st, context);
            }
        } catch (DdiException e) {
            // The status is what counts; a big error page only costs the connection.
        }
        String location = c.getHeaderField("Location");
        String where = st >= 300 && st < 400 ? " (redirect to "
                + (location == null ? "nowhere" : DdiJson.oneLine(location)) + " not followed)" : "";
        throw new DdiException(DdiException.kindOf(st), st, context + ": HTTP " + st + where, null);
    }

    /**
     * Reads a body of at most {@code limit} bytes: a larger declared length is refused before reading, a longer
     * body when it passes the limit; either way the connection is closed rather than drained.
     */
    private static byte[] readBounded(HttpURLConnection c, InputStream in, int limit, int status, String context)
            throws IOException {
        long declared = c.getContentLengthLong();
        if (declared > limit) {
            c.disconnect();
            throw tooLarge(status, context, declared + " bytes declared", limit);
        }
        byte[] buf = new byte[(int) Math.max(0, Math.min(declared >= 0 ? declared : 8192, limit))];
        int n = 0;
        while (true) {
            if (n == buf.length) {
                if (n >= limit) {
                    if (in.read() < 0) {
                        return buf;
                    }
                    c.disconnect();
                    throw tooLarge(status, context, "more than " + limit + " bytes", limit);
                }
                buf = Arrays.copyOf(buf, (int) Math.min((long) Math.max(n, 4096) * 2, limit));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                return n == buf.length ? buf : Arrays.copyOf(buf, n);
            }
            n += r;
        }
    }

    private static DdiException tooLarge(int status, String context, String what, int limit) {
        return new DdiException(DdiException.Kind.PROTOCOL, status, context + ": answer too large (" + what
                + "; the limit is " + (limit >= 1 << 20 ? (limit >> 20) + " MiB" : (limit >> 10) + " KiB") + ")",
                null);
    }

    private static int portOf(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** A URL for messages: without user info and query. */
    static String display(URI uri) {
        return DdiJson.oneLine(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort()
                : "") + uri.getRawPath());
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
