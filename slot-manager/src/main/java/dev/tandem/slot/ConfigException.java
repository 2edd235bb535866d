package dev.tandem.slot;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;

/**
 * The system config is missing, malformed or inconsistent, or the device is not set up the way it says
 * (a slot that cannot be found, a booted slot that cannot be told). Maps to exit code 6 (ARCHITECTURE.md §8).
 */
public class ConfigException extends TandemException {

    /** Exit code of this failure (ARCHITECTURE.md §8). */
    public static final int EXIT_CODE = 6;

    public ConfigException(String message) {
        super(ExitCategory.CONFIG, message);
    }

    public ConfigException(String message, Throwable cause) {
        super(ExitCategory.CONFIG, message, cause);
    }
}
