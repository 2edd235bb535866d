package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The device's attributes, {@code PUT .../configData}.
 *
 * @param mode how they change the stored ones
 * @param data attribute → value (hawkBit keeps at most 128 characters of each)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiConfigData(
        @JsonProperty("mode") DdiUpdateMode mode,
        @JsonProperty("data") Map<String, String> data) {

    public DdiConfigData {
        Objects.requireNonNull(data, "data");
        // Sorted, so that the same attributes always serialise to the same bytes (the agent hashes them).
        data = java.util.Collections.unmodifiableMap(new TreeMap<>(data));
    }
}
