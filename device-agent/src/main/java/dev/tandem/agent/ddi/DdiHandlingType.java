package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How the server wants one step (download, update) of a deployment handled. hawkBit sends {@code skip} for the
 * update of a download-only action and of an action whose maintenance window is closed.
 */
public enum DdiHandlingType {
    /** Do not do it now. */
    SKIP,
    /** Do it when the device sees fit (a soft assignment). tandem does it at once, like FORCED. */
    ATTEMPT,
    /** Do it now. */
    FORCED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static DdiHandlingType parse(String value) {
        for (DdiHandlingType t : values()) {
            if (t.wireName().equals(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown handling type '" + value + "'");
    }
}
