package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * A feedback, {@code POST .../deploymentBase/{id}/feedback} or {@code .../cancelAction/{id}/feedback}. It carries
 * both dialects' identification: hawkBit 0.3 requires {@code id} (equal to the action id of the path, else 404),
 * hawkBit 1.x dropped it and reads {@code timestamp}; each ignores the other's field (REPORT.md gotcha 1).
 *
 * @param id        the action id (0.3)
 * @param timestamp milliseconds since the epoch (1.x)
 * @param status    what happened
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiActionFeedback(
        @JsonProperty("id") String id,
        @JsonProperty("timestamp") long timestamp,
        @JsonProperty("status") DdiStatus status) {

    public DdiActionFeedback {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
    }
}
