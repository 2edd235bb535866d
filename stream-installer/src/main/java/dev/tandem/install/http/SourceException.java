package dev.tandem.install.http;

import dev.tandem.errors.Categorized;
import dev.tandem.errors.ExitCategory;
import java.io.IOException;

/**
 * A bundle source gave up: the server, the network or the TLS peer did not deliver the bundle as asked.
 * Maps to exit code {@value #EXIT_CODE}. Callers branch on {@link #reason()} (and {@link #status()}), never on
 * the message, which is one line such as {@code GET https://host/x.tandem: 404 Not Found}.
 */
public final class SourceException extends IOException implements Categorized {

    /** Exit code of the CLI for every source failure (STYLE "Errors"). */
    public static final int EXIT_CODE = 7;

    /** What went wrong, coarse enough to act on. */
    public enum Reason {
        /** 404 or 410: the URL names nothing. */
        NOT_FOUND,
        /** Any other unexpected HTTP status (401, 403, 400, 5xx after the retries, ...). */
        HTTP_STATUS,
        /** The bundle changed on the server since the download started (ETag, Last-Modified or size). */
        CHANGED,
        /** Connect timeout, or no byte for the stall timeout, after the retries. */
        TIMEOUT,
        /** Connection refused, reset or closed early, after the retries. */
        NETWORK,
        /** TLS handshake failed: untrusted or wrong certificate, client certificate refused. */
        TLS,
        /** The server broke HTTP or lied: Content-Range not what was asked, wrong lengths, bad multipart. */
        PROTOCOL,
        /** The per-source request budget is spent, or the server kept answering 429. */
        TOO_MANY_REQUESTS,
        /** A resume or seek needs Range requests and the server does not honour them. */
        RANGE_UNSUPPORTED,
        /** More than five redirects, a redirect without Location, or https redirected to http. */
        REDIRECT
    }

    private final Reason reason;
    private final int status;
    private final transient boolean retriable;

    /** A failure that is final. */
    public SourceException(Reason reason, String message) {
        this(reason, 0, message, false, null);
    }

    SourceException(Reason reason, int status, String message, boolean retriable, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.status = status;
        this.retriable = retriable;
    }

    static SourceException retriable(Reason reason, int status, String message, Throwable cause) {
        return new SourceException(reason, status, message, true, cause);
    }

    public Reason reason() {
        return reason;
    }

    /** The HTTP status that caused this failure, or 0 when there was none. */
    public int status() {
        return status;
    }

    /** Whether another attempt (after backoff, resuming by Range) may succeed. */
    boolean isRetriable() {
        return retriable;
    }

    /** The same failure, final, noting how many attempts were made. */
    SourceException gaveUp(int attempts) {
        if (attempts <= 1) {
            return new SourceException(reason, status, getMessage(), false, getCause());
        }
        return new SourceException(reason, status, getMessage() + " (gave up after " + attempts + " attempts)",
                false, getCause());
    }

    @Override
    public ExitCategory category() {
        return ExitCategory.SOURCE;
    }
}
