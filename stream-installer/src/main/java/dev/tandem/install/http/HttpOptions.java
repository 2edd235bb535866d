package dev.tandem.install.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How an {@link HttpSource} talks to its server (system.toml {@code [http]}, ARCHITECTURE.md §5).
 *
 * @param caFile            PEM trust anchors for https; {@code null} uses the JDK's default trust store
 * @param clientCert        PEM client certificate (chain) for mutual TLS, sent only to the configured origin
 * @param clientKey         PEM (PKCS#8) key of {@code clientCert}
 * @param headers           extra request headers ({@code Authorization: TargetToken …}), sent only to the
 *                          configured origin: a redirect to another scheme, host or port drops them
 * @param maxRateBytesPerSecond body bytes per second handed to the reader, 0 for unlimited
 * @param connectTimeout    TCP connect plus TLS and proxy handshakes
 * @param stallTimeout      no byte for this long while the reader waits: drop the connection and retry
 * @param retries           attempts after the first one, per read that makes no progress
 * @param backoffBase       first backoff; doubles per failed attempt, with full jitter
 * @param backoffMax        cap of one backoff
 * @param maxRequests       GET requests this source may send in its life (redirects and retries
 *                          included; hawkBit logs every one), 0 for no limit
 * @param proxyEnv          environment holding {@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}
 *                          (either case); pass {@code System.getenv()} in production, a map in tests
 * @param mergeGapBytes     {@code readRanges}: ranges separated by at most this many bytes are fetched as one
 * @param maxRangesPerRequest {@code readRanges}: ranges in one multi-range request
 * @param bufferBytes       body bytes held between Netty and the reader before reading from the socket
 *                          stops (backpressure); bounds the source's memory
 */
public record HttpOptions(
        Path caFile,
        Path clientCert,
        Path clientKey,
        Map<String, String> headers,
        long maxRateBytesPerSecond,
        Duration connectTimeout,
        Duration stallTimeout,
        int retries,
        Duration backoffBase,
        Duration backoffMax,
        int maxRequests,
        Map<String, String> proxyEnv,
        long mergeGapBytes,
        int maxRangesPerRequest,
        int bufferBytes) {

    /** Headers the source sets itself; configuring them would break framing, ranges or resume. */
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "range", "if-range", "content-length",
            "transfer-encoding", "connection", "accept-encoding", "te", "upgrade", "proxy-authorization");

    public HttpOptions {
        headers = Map.copyOf(headers);
        proxyEnv = Map.copyOf(proxyEnv);
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(stallTimeout, "stallTimeout");
        Objects.requireNonNull(backoffBase, "backoffBase");
        Objects.requireNonNull(backoffMax, "backoffMax");
        if ((clientCert == null) != (clientKey == null)) {
            throw new IllegalArgumentException("client certificate and key go together");
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
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
        if (maxRateBytesPerSecond < 0 || retries < 0 || maxRequests < 0 || mergeGapBytes < 0) {
            throw new IllegalArgumentException("negative limit");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || stallTimeout.isNegative()
                || stallTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (maxRangesPerRequest < 1) {
            throw new IllegalArgumentException("maxRangesPerRequest must be at least 1");
        }
        if (bufferBytes < 64 * 1024) {
            throw new IllegalArgumentException("bufferBytes must be at least 64 KiB");
        }
    }

    /** 10 s connect, 30 s stall, 5 retries backing off 0.5 s … 30 s, 1 MiB buffer, no proxy, no limits. */
    public static HttpOptions defaults() {
        return new HttpOptions(null, null, null, Map.of(), 0, Duration.ofSeconds(10), Duration.ofSeconds(30),
                5, Duration.ofMillis(500), Duration.ofSeconds(30), 0, Map.of(), 256 * 1024, 64, 1024 * 1024);
    }

    /**
     * The options system.toml's {@code [http]} table asks for; proxies come from the environment
     * ({@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}).
     */
    public static HttpOptions of(dev.tandem.slot.config.HttpConfig config, Map<String, String> env) {
        HttpOptions o = defaults().withProxyEnv(env);
        if (config == null) {
            return o;
        }
        if (config.caFile() != null) {
            o = o.withCaFile(config.caFile());
        }
        if (config.clientCert() != null) {
            o = o.withClientCertificate(config.clientCert(), config.clientKey());
        }
        for (Map.Entry<String, String> h : config.headers().entrySet()) {
            o = o.withHeader(h.getKey(), h.getValue());
        }
        if (config.maxRateBytesPerSecond() > 0) {
            o = o.withMaxRate(config.maxRateBytesPerSecond());
        }
        if (config.connectTimeout() != null && config.stallTimeout() != null) {
            o = o.withTimeouts(config.connectTimeout(), config.stallTimeout());
        }
        if (config.retries() > 0) {
            o = o.withRetries(config.retries(), o.backoffBase(), o.backoffMax());
        }
        return o;
    }

    public HttpOptions withCaFile(Path pem) {
        return new HttpOptions(pem, clientCert, clientKey, headers, maxRateBytesPerSecond, connectTimeout,
                stallTimeout, retries, backoffBase, backoffMax, maxRequests, proxyEnv, mergeGapBytes,
                maxRangesPerRequest, bufferBytes);
    }

    /**
     * The same options without credentials: no client certificate and no configured headers (which may carry
     * tokens). For hosts that nobody configured, such as an artifact store a DDI server names.
     */
    public HttpOptions withoutCredentials() {
        return new HttpOptions(caFile, null, null, Map.of(), maxRateBytesPerSecond, connectTimeout,
                stallTimeout, retries, backoffBase, backoffMax, maxRequests, proxyEnv, mergeGapBytes,
                maxRangesPerRequest, bufferBytes);
    }

    public HttpOptions withClientCertificate(Path certPem, Path keyPem) {
        return new HttpOptions(caFile, certPem, keyPem, headers, maxRateBytesPerSecond, connectTimeout,
                stallTimeout, retries, backoffBase, backoffMax, maxRequests, proxyEnv, mergeGapBytes,
                maxRangesPerRequest, bufferBytes);
    }

    /** Adds (or replaces) one extra header. */
    public HttpOptions withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new HttpOptions(caFile, clientCert, clientKey, h, maxRateBytesPerSecond, connectTimeout,
                stallTimeout, retries, backoffBase, backoffMax, maxRequests, proxyEnv, mergeGapBytes,
                maxRangesPerRequest, bufferBytes);
    }

    public HttpOptions withMaxRate(long bytesPerSecond) {
        return new HttpOptions(caFile, clientCert, clientKey, headers, bytesPerSecond, connectTimeout,
                stallTimeout, retries, backoffBase, backoffMax, maxRequests, proxyEnv, mergeGapBytes,
                maxRangesPerRequest, bufferBytes);
    }

    public HttpOptions withTimeouts(Duration connect, Duration stall) {
        return new HttpOptions(caFile, clientCert, clientKey, headers, maxRateBytesPerSecond, connect, stall,
                retries, backoffBase, backoffMax, maxRequests, proxyEnv, mergeGapBytes, maxRangesPerRequest,
                bufferBytes);
    }

    public HttpOptions withRetries(int attempts, Duration base, Duration max) {
        return new HttpOptions(caFile, clientCert, clientKey, headers, maxRateBytesPerSecond, connectTimeout,
                stallTimeout, attempts, base, max, maxRequests, proxyEnv, mergeGapBytes, maxRangesPerRequest,
                bufferBytes);
    }

    public HttpOptions withMaxRequests(int requests) {
        return new HttpOptions(caFile, clientCert, clientKey, headers, maxRateBytesPerSecond, connectTimeout,
                stallTimeout, retries, backoffBase, backoffMax, requests, proxyEnv, mergeGapBytes,
                maxRangesPerRequest, bufferBytes);
    }

    public HttpOptions withProxyEnv(Map<String, String> env) {
        return new HttpOptions(caFile, clientCert, clientKey, headers, maxRateBytesPerSecond, connectTimeout,
                stallTimeout, retries, backoffBase, backoffMax, maxRequests, env, mergeGapBytes,
                maxRangesPerRequest, bufferBytes);
    }

    public HttpOptions withMultiRange(long gapBytes, int rangesPerRequest) {
        return new HttpOptions(caFile, clientCert, clientKey, headers, maxRateBytesPerSecond, connectTimeout,
                stallTimeout, retries, backoffBase, backoffMax, maxRequests, proxyEnv, gapBytes, rangesPerRequest,
                bufferBytes);
    }

    private static boolean isTokenChar(int c) {
        return c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
}
