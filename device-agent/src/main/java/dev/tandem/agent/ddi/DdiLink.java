package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * A HAL link ({@code {"href": "..."}}). hawkBit builds hrefs from the host and port of the request, so the agent
 * follows them rather than composing URLs itself (REPORT.md gotcha 7).
 *
 * @param href the target URL
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiLink(@JsonProperty("href") String href) {

    /** Checks that the href is an absolute http or https URL with a host: anything else is a malformed message. */
    public DdiLink {
        Objects.requireNonNull(href, "href");
        URI u;
        try {
            u = new URI(href);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("link is not a URL", e);
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || u.getRawPath() == null) {
            throw new IllegalArgumentException("link is not an http(s) URL with a host");
        }
    }

    /** The href as a URI. */
    public URI uri() {
        return URI.create(href);
    }

    /**
     * The action id a {@code deploymentBase/{id}} or {@code cancelAction/{id}} link names: its last path
     * segment, without the {@code ?c=} cache-buster.
     */
    public String actionId() {
        String path = uri().getPath();
        int slash = path.lastIndexOf('/');
        return path.substring(slash + 1);
    }
}
