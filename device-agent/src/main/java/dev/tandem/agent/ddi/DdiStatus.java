package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * {@code status} of a feedback.
 *
 * @param execution where the action is
 * @param result    the result so far
 * @param details   lines hawkBit shows in the action history
 * @param code      a device status code (hawkBit 1.x shows it; 0.3 ignores it), or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DdiStatus(
        @JsonProperty("execution") DdiExecution execution,
        @JsonProperty("result") DdiResult result,
        @JsonProperty("details") List<String> details,
        @JsonProperty("code") Integer code) {

    public DdiStatus {
        Objects.requireNonNull(execution, "execution");
        Objects.requireNonNull(result, "result");
        details = details == null ? List.of() : List.copyOf(details);
    }
}
