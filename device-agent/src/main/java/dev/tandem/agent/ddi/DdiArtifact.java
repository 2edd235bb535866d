package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Optional;

/**
 * One file of a software module in a deployment.
 *
 * @param filename the artifact's file name
 * @param hashes   server-side hashes (advisory)
 * @param size     size in bytes (advisory)
 * @param links    {@link #DOWNLOAD} (https), {@link #DOWNLOAD_HTTP} (http), md5sum links
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiArtifact(
        @JsonProperty("filename") String filename,
        @JsonProperty("hashes") DdiHashes hashes,
        @JsonProperty("size") long size,
        @JsonProperty("_links") Map<String, DdiLink> links) {

    /** The https download link. */
    public static final String DOWNLOAD = "download";
    /** The plain http download link. */
    public static final String DOWNLOAD_HTTP = "download-http";

    public DdiArtifact {
        DdiJson.requireName(filename, "filename");
        links = links == null ? Map.of() : Map.copyOf(links);
    }

    /** The link with relation {@code rel}. */
    public Optional<DdiLink> link(String rel) {
        return Optional.ofNullable(links.get(rel));
    }
}
