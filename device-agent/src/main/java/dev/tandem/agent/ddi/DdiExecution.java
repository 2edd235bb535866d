package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * {@code status.execution} of a feedback. Accepted by hawkBit 0.3.0M7 and 1.x alike (REPORT.md §4). hawkBit turns
 * {@code closed} into the final result, {@code downloaded} into "downloaded" (which closes a download-only
 * action), {@code rejected} into a warning, and every other value into "running".
 */
public enum DdiExecution {
    CLOSED,
    PROCEEDING,
    CANCELED,
    SCHEDULED,
    REJECTED,
    RESUMED,
    DOWNLOADED,
    DOWNLOAD;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static DdiExecution parse(String value) {
        for (DdiExecution e : values()) {
            if (e.wireName().equals(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown execution status '" + value + "'");
    }
}
