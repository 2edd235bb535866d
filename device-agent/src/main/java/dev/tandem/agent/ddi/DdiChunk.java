package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One software module of a deployment.
 *
 * @param part      the module type ({@code os}, {@code application}, ...)
 * @param version   the module's version (advisory: the bundle's signed version is what policy compares)
 * @param name      the module's name
 * @param artifacts its files
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiChunk(
        @JsonProperty("part") String part,
        @JsonProperty("version") String version,
        @JsonProperty("name") String name,
        @JsonProperty("artifacts") List<DdiArtifact> artifacts) {

    public DdiChunk {
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
    }
}
