package dev.tandem.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The page's files, read from this jar once at start: a fixed map from request path to bytes. Nothing a client
 * sends is ever used as a path, on disk or in the jar; anything not in the map is a 404 (no listings).
 */
final class StaticPage {

    /** One file of the page. */
    record Asset(byte[] body, String contentType) {
    }

    private final Map<String, Asset> assets;

    StaticPage() {
        Asset index = load("index.html", "text/html; charset=utf-8");
        assets = Map.of(
                "/", index,
                "/index.html", index,
                "/app.js", load("app.js", "text/javascript; charset=utf-8"),
                "/app.css", load("app.css", "text/css; charset=utf-8"));
    }

    /** The asset served at {@code path} (query already removed), or null. */
    Asset get(String path) {
        return assets.get(path);
    }

    private static Asset load(String name, String type) {
        try (InputStream in = StaticPage.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the web page's " + name + " is missing from the jar");
            }
            return new Asset(in.readAllBytes(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
