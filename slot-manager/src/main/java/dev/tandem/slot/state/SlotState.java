package dev.tandem.slot.state;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Where a slot is in the install and trial cycle (ARCHITECTURE.md §5). Stored lower-case in status.json.
 * <pre>
 * empty ──► writing ──► installed ──► pending ──► good
 *              ▲                         │
 *              └──── (next install) ◄── bad ◄──┘ (health failed, or the bootloader fell back)
 * </pre>
 */
public enum SlotState {
    /** Nothing tandem knows of (a factory-flashed device's other slot). */
    EMPTY,
    /** An install is writing it, or died doing so: its content is unknown and it is not bootable. */
    WRITING,
    /** Written and checked in full; not yet offered to the bootloader ({@code install --no-activate}). */
    INSTALLED,
    /** Offered to the bootloader for a trial boot; boot-check decides. */
    PENDING,
    /** Booted and passed its health checks: a slot to fall back to. */
    GOOD,
    /** Failed (health, fallback, or marked by hand); not bootable. */
    BAD;

    @JsonValue
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static SlotState parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown slot state '" + value + "'");
        }
    }
}
