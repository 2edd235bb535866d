package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * An update action, {@code GET .../deploymentBase/{actionId}}. (hawkBit also sends an {@code actionHistory} when
 * asked; it is ignored.)
 *
 * @param id         the action id
 * @param deployment what to do
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiDeploymentBase(
        @JsonProperty("id") String id,
        @JsonProperty("deployment") DdiDeployment deployment) {

    public DdiDeploymentBase {
        DdiJson.requireId(id, "id");
        Objects.requireNonNull(deployment, "deployment");
    }
}
