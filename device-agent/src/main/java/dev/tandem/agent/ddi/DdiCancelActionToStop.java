package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code cancelAction} of a cancel: the action to stop.
 *
 * @param stopId the update action to stop
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiCancelActionToStop(@JsonProperty("stopId") String stopId) {
}
