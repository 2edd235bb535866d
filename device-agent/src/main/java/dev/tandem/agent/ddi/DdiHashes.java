package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An artifact's hashes as the server computed them. Advisory only (ARCHITECTURE.md §7): the bundle's signed manifest is
 * what the installer checks.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiHashes(
        @JsonProperty("sha1") String sha1,
        @JsonProperty("md5") String md5,
        @JsonProperty("sha256") String sha256) {
}
