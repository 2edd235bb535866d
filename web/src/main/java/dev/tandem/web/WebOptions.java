package dev.tandem.web;

import dev.tandem.slot.config.WebConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the page is served: {@code [web]} with the token read from its file.
 *
 * @param token       what {@code X-Tandem-Token} must carry; null when only client certificates authenticate
 * @param clientCa    trust anchors of required client certificates; null: none required
 */
public record WebOptions(String host, int port, Path tlsCert, Path tlsKey, String token, Path clientCa,
                         Duration idleTimeout) {

    /** Shortest token accepted: a guessable token is no protection. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public WebOptions {
        if (token == null && clientCa == null) {
            throw new IllegalArgumentException("the web page needs a token or a client CA");
        }
        if (token != null && token.length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("the web token must have at least " + MIN_TOKEN_LENGTH
                    + " characters");
        }
    }

    /** The options {@code [web]} gives, reading the token file (its first line, trimmed). */
    public static WebOptions of(WebConfig c) throws IOException {
        String token = null;
        if (c.tokenFile() != null) {
            if (Files.size(c.tokenFile()) > 4096) {
                throw new IOException("token-file " + c.tokenFile() + " is larger than 4 KiB");
            }
            token = Files.readString(c.tokenFile(), StandardCharsets.UTF_8).lines().findFirst().orElse("").trim();
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IOException("token-file " + c.tokenFile() + ": the token must have at least "
                        + MIN_TOKEN_LENGTH + " characters");
            }
        }
        return new WebOptions(c.host(), c.port(), c.tlsCert(), c.tlsKey(), token, c.clientCa(), c.idleTimeout());
    }
}
