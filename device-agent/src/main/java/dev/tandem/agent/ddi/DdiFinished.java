package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** {@code status.result.finished} of a feedback: the final result, {@code none} while the action runs. */
public enum DdiFinished {
    SUCCESS,
    FAILURE,
    NONE;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static DdiFinished parse(String value) {
        for (DdiFinished f : values()) {
            if (f.wireName().equals(value)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown final result '" + value + "'");
    }
}
