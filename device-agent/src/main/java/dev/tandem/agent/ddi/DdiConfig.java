package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code config} of the controller base.
 *
 * @param polling the server's polling advice; null when it gives none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiConfig(@JsonProperty("polling") DdiPolling polling) {
}
