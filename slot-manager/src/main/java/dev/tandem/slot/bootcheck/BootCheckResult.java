package dev.tandem.slot.bootcheck;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What one run of boot-check decided, for the CLI and the device agent (which reports the final result of a
 * deployment from it).
 *
 * @param outcome      the decision about the booted slot
 * @param booted       the booted slot
 * @param reason       one line: why (health failures, the fallback found, ...)
 * @param fellBackFrom the slot the bootloader fell back from in this boot, or null (ARCHITECTURE.md §6)
 * @param rebooting    whether the reboot command was run
 * @param notes        anything else worth a line: failed hooks, a failed reboot command
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BootCheckResult(
        @JsonProperty("outcome") Outcome outcome,
        @JsonProperty("booted") String booted,
        @JsonProperty("reason") String reason,
        @JsonProperty("fell-back-from") String fellBackFrom,
        @JsonProperty("rebooting") boolean rebooting,
        @JsonProperty("notes") List<String> notes) {

    public BootCheckResult {
        notes = List.copyOf(notes);
    }

    /** The decision about the booted slot. */
    public enum Outcome {
        /** It was good and is healthy; its counter is re-armed. */
        STAYED_GOOD,
        /** It was good, a health check failed, and it stays (reported only). */
        UNHEALTHY_REPORTED,
        /** It was on trial and passed: now good. */
        MARKED_GOOD,
        /** It was marked bad and the reboot command was run, to fall back. */
        MARKED_BAD,
        /** It should have been marked bad, but no other slot could boot: kept, re-armed. */
        KEPT_LAST_SLOT
    }
}
