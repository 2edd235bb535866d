package dev.tandem.slot.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code [http]} table: how bundles are fetched over HTTP(S). Used by the installer's HTTP source.
 *
 * @param caFile         extra trust anchors (PEM) for the server; null: the JDK's
 * @param clientCert     TLS client certificate (PEM); set together with {@code clientKey}
 * @param clientKey      TLS client key (PEM, PKCS#8)
 * @param headers        extra request headers, sent only to the configured origin
 * @param maxRateBytesPerSecond download rate limit, 0 for none
 * @param connectTimeout TCP + TLS connect timeout (default 10 s)
 * @param stallTimeout   a transfer that moves no byte for this long is retried (default 60 s)
 * @param retries        retries of a dropped transfer before the install fails (default 5)
 */
public record HttpConfig(
        Path caFile,
        Path clientCert,
        Path clientKey,
        Map<String, String> headers,
        long maxRateBytesPerSecond,
        Duration connectTimeout,
        Duration stallTimeout,
        int retries) {

    public HttpConfig {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
