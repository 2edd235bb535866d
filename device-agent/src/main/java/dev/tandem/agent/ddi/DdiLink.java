package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.util.Objects;

/**
 * A HAL link ({@code {"href": "..."}}). hawkBit builds hrefs from the host and port of the request, so the agent
 * follows them rather than composing URLs itself (REPORT.md gotcha 7).
 *
 * @param href the target URL
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiLink(@JsonProperty("href") String href) {

    public DdiLink {
        Objects.requireNonNull(href, "href");
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
