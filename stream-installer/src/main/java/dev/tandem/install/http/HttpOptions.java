package dev.tandem.install.http;

import dev.tandem.slot.config.HttpConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How an {@link HttpSource} talks to its server: the system.toml {@code [http]} table ({@link HttpConfig}, with
 * every value resolved) plus the tuning that is not configured (ARCHITECTURE.md §5). The table's fields are read
 * through the accessors of the same names ({@link #caFile()}, {@link #headers()}, ...).
 *
 * <p>In {@code config}: {@code caFile} null uses the JDK's default trust store; the client certificate and the
 * {@code headers} ({@code Authorization: TargetToken …}) are sent only to the configured origin: a redirect to
 * another scheme, host or port drops them; {@code maxRateBytesPerSecond} is body bytes per second handed to the
 * reader, 0 for unlimited; {@code connectTimeout} covers TCP connect plus TLS and proxy handshakes;
 * {@code stallTimeout}: no byte for this long while the reader waits drops the connection for a retry;
 * {@code retries} counts attempts after the first one, per read that makes no progress.
 *
 * @param config            the {@code [http]} table, resolved: timeouts set, never null
 * @param backoffBase       first backoff; doubles per failed attempt, with full jitter
 * @param backoffMax        cap of one backoff
 * @param maxRequests       GET requests this source may send in its life (redirects and retries
 *                          included; hawkBit logs every one), 0 for no limit
 * @param proxyEnv          environment holding {@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}
 *                          (either case); pass {@code System.getenv()} in production, a map in tests
 * @param mergeGapBytes     {@code readRanges}: ranges separated by at most this many bytes are fetched as one
 *                          (default {@value 100}: only where the gap costs less
 *                          than the part header a separate range would)
 * @param maxRangesPerRequest {@code readRanges}: ranges in one multi-range request (default 64; the Range header
 *                          also stays under {@value MultiRangeReader#MAX_HEADER} characters)
 */
public record HttpOptions(
        HttpConfig config,
        Duration backoffBase,
        Duration backoffMax,
        int maxRequests,
        Map<String, String> proxyEnv,
        long mergeGapBytes,
        int maxRangesPerRequest) {

    /** Headers the source sets itself; configuring them would break framing, ranges or resume. */
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "range", "if-range", "content-length",
            "transfer-encoding", "connection", "accept-encoding", "te", "upgrade", "proxy-authorization");

    public HttpOptions {
        Objects.requireNonNull(config, "config");
        proxyEnv = Map.copyOf(proxyEnv);
        Objects.requireNonNull(config.connectTimeout(), "connectTimeout");
        Objects.requireNonNull(config.stallTimeout(), "stallTimeout");
        Objects.requireNonNull(backoffBase, "backoffBase");
        Objects.requireNonNull(backoffMax, "backoffMax");
        if ((config.clientCert() == null) != (config.clientKey() == null)) {
            throw new IllegalArgumentException("client certificate and key go together");
        }
        for (Map.Entry<String, String> h : config.headers().entrySet()) {
            String name = h.getKey();
            if (name.isEmpty() || !name.chars().allMatch(HttpOptions::isTokenChar)) {
                throw new IllegalArgumentException("bad header name: " + name);
            }
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("header " + name + " is set by the HTTP source itself");
            }
            if (h.getValue().chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                throw new IllegalArgumentException("header " + name + ": value has a line break");
            }
        }
        if (config.maxRateBytesPerSecond() < 0 || config.retries() < 0 || maxRequests < 0 || mergeGapBytes < 0) {
            throw new IllegalArgumentException("negative limit");
        }
        if (!isPositive(config.connectTimeout()) || !isPositive(config.stallTimeout())) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (maxRangesPerRequest < 1) {
            throw new IllegalArgumentException("maxRangesPerRequest must be at least 1");
        }
    }

    /**
     * 10 s connect, 30 s stall, 5 retries backing off 0.5 s … 30 s, no proxy, no limits, up to 64
     * ranges a request merged across gaps under a part header's cost.
     */
    public static HttpOptions defaults() {
        return new HttpOptions(
                new HttpConfig(null, null, null, Map.of(), 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 5),
                Duration.ofMillis(500), Duration.ofSeconds(30), 0, Map.of(), MultiRangeReader.PART_HEADER_BYTES, 64);
    }

    /**
     * The options system.toml's {@code [http]} table asks for; proxies come from the environment
     * ({@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}). What the table leaves unset (no timeouts,
     * 0 retries or max rate) keeps the default.
     */
    public static HttpOptions of(HttpConfig config, Map<String, String> env) {
        HttpOptions o = defaults().withProxyEnv(env);
        if (config == null) {
            return o;
        }
        HttpConfig d = o.config;
        boolean timeouts = config.connectTimeout() != null && config.stallTimeout() != null;
        return o.withConfig(new HttpConfig(
                config.caFile(),
                config.clientCert(),
                config.clientKey(),
                config.headers(),
                config.maxRateBytesPerSecond() > 0 ? config.maxRateBytesPerSecond() : d.maxRateBytesPerSecond(),
                timeouts ? config.connectTimeout() : d.connectTimeout(),
                timeouts ? config.stallTimeout() : d.stallTimeout(),
                config.retries() > 0 ? config.retries() : d.retries()));
    }

    public Path caFile() {
        return config.caFile();
    }

    public Path clientCert() {
        return config.clientCert();
    }

    public Path clientKey() {
        return config.clientKey();
    }

    /** Extra request headers, sent only to the configured origin. */
    public Map<String, String> headers() {
        return config.headers();
    }

    public long maxRateBytesPerSecond() {
        return config.maxRateBytesPerSecond();
    }

    public Duration connectTimeout() {
        return config.connectTimeout();
    }

    public Duration stallTimeout() {
        return config.stallTimeout();
    }

    public int retries() {
        return config.retries();
    }

    public HttpOptions withCaFile(Path pem) {
        return withConfig(new HttpConfig(pem, clientCert(), clientKey(), headers(), maxRateBytesPerSecond(),
                connectTimeout(), stallTimeout(), retries()));
    }

    /**
     * The same options without credentials: no client certificate and no configured headers (which may carry
     * tokens). For hosts that nobody configured, such as an artifact store a DDI server names.
     */
    public HttpOptions withoutCredentials() {
        return withConfig(new HttpConfig(caFile(), null, null, Map.of(), maxRateBytesPerSecond(), connectTimeout(),
                stallTimeout(), retries()));
    }

    public HttpOptions withClientCertificate(Path certPem, Path keyPem) {
        return withConfig(new HttpConfig(caFile(), certPem, keyPem, headers(), maxRateBytesPerSecond(),
                connectTimeout(), stallTimeout(), retries()));
    }

    /** Adds (or replaces) one extra header. */
    public HttpOptions withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers());
        h.put(name, value);
        return withConfig(new HttpConfig(caFile(), clientCert(), clientKey(), h, maxRateBytesPerSecond(),
                connectTimeout(), stallTimeout(), retries()));
    }

    public HttpOptions withMaxRate(long bytesPerSecond) {
        return withConfig(new HttpConfig(caFile(), clientCert(), clientKey(), headers(), bytesPerSecond,
                connectTimeout(), stallTimeout(), retries()));
    }

    public HttpOptions withTimeouts(Duration connect, Duration stall) {
        return withConfig(new HttpConfig(caFile(), clientCert(), clientKey(), headers(), maxRateBytesPerSecond(),
                connect, stall, retries()));
    }

    public HttpOptions withRetries(int attempts, Duration base, Duration max) {
        return new HttpOptions(new HttpConfig(caFile(), clientCert(), clientKey(), headers(),
                maxRateBytesPerSecond(), connectTimeout(), stallTimeout(), attempts), base, max, maxRequests,
                proxyEnv, mergeGapBytes, maxRangesPerRequest);
    }

    public HttpOptions withMaxRequests(int requests) {
        return new HttpOptions(config, backoffBase, backoffMax, requests, proxyEnv, mergeGapBytes,
                maxRangesPerRequest);
    }

    public HttpOptions withProxyEnv(Map<String, String> env) {
        return new HttpOptions(config, backoffBase, backoffMax, maxRequests, env, mergeGapBytes,
                maxRangesPerRequest);
    }

    public HttpOptions withMultiRange(long gapBytes, int rangesPerRequest) {
        return new HttpOptions(config, backoffBase, backoffMax, maxRequests, proxyEnv, gapBytes, rangesPerRequest);
    }

    private HttpOptions withConfig(HttpConfig c) {
        return new HttpOptions(c, backoffBase, backoffMax, maxRequests, proxyEnv, mergeGapBytes,
                maxRangesPerRequest);
    }

    private static boolean isPositive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    /** An RFC 9110 token character: what a header name is made of, configured or received (HttpConnection). */
    static boolean isTokenChar(int c) {
        return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
}
