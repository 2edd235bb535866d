package dev.tandem.cli;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FileSource;
import dev.tandem.install.StdinSource;
import dev.tandem.install.http.HttpOptions;
import dev.tandem.install.http.HttpSource;
import dev.tandem.slot.config.HttpConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Opens the bundle a command names: a file path, an http(s):// URL, or {@code -} for standard input. */
final class SourceOpener {

    /** "scheme://" as RFC 3986 spells a scheme; a file path never looks like that. */
    private static final Pattern URL_SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://");

    private SourceOpener() {
    }

    /**
     * Refuses a URL of another scheme (ftp://, file://) as a usage error listing the supported ones; commands call
     * it before reading any config, so that the mistake is the first thing said.
     */
    static void requireSupported(String spec) {
        Matcher scheme = URL_SCHEME.matcher(spec);
        if (scheme.lookingAt() && !isRemote(spec)) {
            throw new UsageException("unsupported URL scheme '" + scheme.group(1) + "' in " + spec
                    + ": give a file path, an http:// or https:// URL, or - for standard input");
        }
    }

    /** Whether the bundle comes over the network (then reusing local data saves downloads). */
    static boolean isRemote(String spec) {
        return spec.startsWith("http://") || spec.startsWith("https://");
    }

    static BundleSource open(String spec) throws IOException {
        return open(spec, null);
    }

    /** @param http the {@code [http]} settings for URLs, or null for defaults */
    static BundleSource open(String spec, HttpConfig http) throws IOException {
        return open(spec, http, 0);
    }

    /**
     * @param http    the {@code [http]} settings for URLs, or null for defaults
     * @param maxRate a download rate limit in bytes per second that replaces {@code [http] max-rate}; 0 keeps it
     */
    static BundleSource open(String spec, HttpConfig http, long maxRate) throws IOException {
        if (spec.equals("-")) {
            return new StdinSource(System.in);
        }
        if (isRemote(spec)) {
            URI uri;
            try {
                uri = new URI(spec);
            } catch (URISyntaxException e) {
                throw new UsageException("'" + spec + "' is not a valid URL: " + e.getReason());
            }
            HttpOptions options = HttpOptions.of(http, System.getenv());
            return HttpSource.open(uri, maxRate > 0 ? options.withMaxRate(maxRate) : options);
        }
        requireSupported(spec);
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) {
            throw new UsageException(spec + " is a directory, not a bundle");
        }
        return FileSource.open(p);
    }
}
