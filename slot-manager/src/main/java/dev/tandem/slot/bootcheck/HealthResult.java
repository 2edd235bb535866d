package dev.tandem.slot.bootcheck;

import java.util.List;

/**
 * The outcome of the {@code [health]} checks.
 *
 * @param failures one line per failed check, empty when healthy
 */
public record HealthResult(List<String> failures) {

    public HealthResult {
        failures = List.copyOf(failures);
    }

    public boolean healthy() {
        return failures.isEmpty();
    }

    /** The failures as one line, for status and failure reasons. */
    public String reason() {
        return healthy() ? "healthy" : String.join("; ", failures);
    }
}
