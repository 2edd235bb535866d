package dev.tandem.agent.feed;

import dev.tandem.agent.ddi.DdiJson;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.install.http.HttpSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads feed.json and feed.json.p7s with the installer's HTTP client (TLS, proxies, and the rule that
 * configured credentials go only to the configured origin), bounded in size (refused before reading when the
 * server announces more) and in time ({@link #MAX_TIME} per file, however slowly the server sends).
 */
public final class FeedFetcher {

    /** Longest one file may take, connect and retries included. */
    public static final Duration MAX_TIME = Duration.ofSeconds(60);

    private final HttpOptions options;
    private final Duration maxTime;

    /** @param options for the feed's origin (the configured one: with the [http] credentials) */
    public FeedFetcher(HttpOptions options) {
        this(options, MAX_TIME);
    }

    FeedFetcher(HttpOptions options, Duration maxTime) {
        this.options = options.withRetries(2, Duration.ofMillis(500), Duration.ofSeconds(5)).withMaxRequests(6);
        this.maxTime = maxTime;
    }

    /**
     * The whole body of {@code url}, at most {@code max} bytes.
     *
     * @throws FeedException TOO_LARGE when the body is larger or the read takes longer than allowed
     * @throws IOException   the network or the server (one line)
     */
    public byte[] fetch(URI url, int max) throws IOException, FeedException {
        AtomicReference<HttpSource> open = new AtomicReference<>();
        CompletableFuture<byte[]> body = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                body.complete(read(url, max, open));
            } catch (Throwable e) {
                body.completeExceptionally(e);
            }
        }, "tandem-feed-fetch");
        t.setDaemon(true);
        t.start();
        try {
            return body.get(maxTime.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            HttpSource s = open.get();
            if (s != null) {
                s.close();
            }
            t.interrupt();
            throw new FeedException(FeedException.Kind.TOO_LARGE, url + ": not read within " + maxTime.toSeconds()
                    + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof FeedException f) {
                throw f;
            }
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException(DdiJson.oneLine(String.valueOf(c.getMessage())), c);
        }
    }

    private byte[] read(URI url, int max, AtomicReference<HttpSource> open) throws IOException, FeedException {
        try (HttpSource s = HttpSource.open(url, options)) {
            open.set(s);
            if (s.size().isPresent() && s.size().getAsLong() > max) {
                throw new FeedException(FeedException.Kind.TOO_LARGE, s.name() + ": " + s.size().getAsLong()
                        + " bytes, more than the " + max + " allowed");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = s.read(buf, 0, buf.length)) > 0) {
                out.write(buf, 0, n);
                if (out.size() > max) {
                    throw new FeedException(FeedException.Kind.TOO_LARGE, s.name() + ": more than the " + max
                            + " bytes allowed");
                }
            }
            return out.toByteArray();
        }
    }
}
