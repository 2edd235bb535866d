package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Whether the maintenance window of an action is open; absent when the action has none. */
public enum DdiMaintenanceWindow {
    AVAILABLE,
    UNAVAILABLE;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static DdiMaintenanceWindow parse(String value) {
        for (DdiMaintenanceWindow w : values()) {
            if (w.wireName().equals(value)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown maintenance window status '" + value + "'");
    }
}
