package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * {@code status.result} of a feedback.
 *
 * @param finished the final result, {@code none} while the action runs
 * @param progress how far it got, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DdiResult(
        @JsonProperty("finished") DdiFinished finished,
        @JsonProperty("progress") DdiProgress progress) {

    public DdiResult {
        Objects.requireNonNull(finished, "finished");
    }
}
