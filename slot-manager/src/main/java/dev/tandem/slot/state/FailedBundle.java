package dev.tandem.slot.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A bundle whose trial failed on this device, kept in status.json so that it is not installed again
 * ({@code --retry} overrides), in particular by an agent that would otherwise loop. Since format 1.
 *
 * @param bundleId the manifest's SHA-256 (hex): what policy and the agent match on
 * @param version  its version, for people reading status
 * @param slot     the slot it failed in
 * @param reason   why, one line
 * @param time     when it was recorded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FailedBundle(
        @JsonProperty("bundle-id") String bundleId,
        @JsonProperty("version") String version,
        @JsonProperty("slot") String slot,
        @JsonProperty("reason") String reason,
        @JsonProperty("time") Instant time) {
}
