package dev.tandem.slot.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code [web]} table: the web install page (module web). Off unless {@code enabled}; when on, TLS is
 * required and so is at least one credential (a token, a client certificate, or both).
 *
 * @param enabled     serve the page (default false)
 * @param host        address to bind (default {@code 0.0.0.0})
 * @param port        TCP port (default 8443)
 * @param tlsCert     PEM certificate (chain) of the page
 * @param tlsKey      PEM PKCS#8 private key of the page
 * @param tokenFile   file holding the token every API request must carry in {@code X-Tandem-Token}; null: none
 * @param clientCa    PEM trust anchors of the client certificates required at the TLS handshake; null: none
 * @param idleTimeout a connection that sends nothing for this long is closed (default 30 s)
 */
public record WebConfig(boolean enabled, String host, int port, Path tlsCert, Path tlsKey, Path tokenFile,
                        Path clientCa, Duration idleTimeout) {

    /** {@code [web]} absent: off. */
    public static WebConfig off() {
        return new WebConfig(false, "0.0.0.0", 8443, null, null, null, null, Duration.ofSeconds(30));
    }
}
