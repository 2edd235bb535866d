package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * {@code deployment} of a deployment base: what to do and with which files.
 *
 * @param download          how to handle the download
 * @param update            how to handle the update (activation); {@code skip} for download-only actions and
 *                          while a maintenance window is closed
 * @param maintenanceWindow the window's status, null when the action has none
 * @param chunks            the software modules
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiDeployment(
        @JsonProperty("download") DdiHandlingType download,
        @JsonProperty("update") DdiHandlingType update,
        @JsonProperty("maintenanceWindow") DdiMaintenanceWindow maintenanceWindow,
        @JsonProperty("chunks") List<DdiChunk> chunks) {

    public DdiDeployment {
        Objects.requireNonNull(download, "download");
        Objects.requireNonNull(update, "update");
        chunks = chunks == null ? List.of() : List.copyOf(chunks);
    }
}
