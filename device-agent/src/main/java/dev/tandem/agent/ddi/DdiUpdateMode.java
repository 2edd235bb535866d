package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a {@code configData} PUT changes the stored attributes. */
public enum DdiUpdateMode {
    /** Add and overwrite; keep the others (hawkBit's default). */
    MERGE,
    /** Replace all attributes. */
    REPLACE,
    /** Remove the given keys. */
    REMOVE;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static DdiUpdateMode parse(String value) {
        for (DdiUpdateMode m : values()) {
            if (m.wireName().equals(value)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown update mode '" + value + "'");
    }
}
