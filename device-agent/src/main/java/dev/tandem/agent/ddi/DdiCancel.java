package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * A cancel request, {@code GET .../cancelAction/{actionId}}.
 *
 * @param id           the cancel action's id (hawkBit uses the update action's id)
 * @param cancelAction which update action to stop
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiCancel(
        @JsonProperty("id") String id,
        @JsonProperty("cancelAction") DdiCancelActionToStop cancelAction) {

    public DdiCancel {
        DdiJson.requireId(id, "id");
        Objects.requireNonNull(cancelAction, "cancelAction");
    }
}
