package dev.tandem.pki;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;

/**
 * A key, certificate or keyring file is missing, unreadable or not what it should be.
 * Maps to exit code 6 (configuration error).
 */
public class KeyMaterialException extends TandemException {

    public KeyMaterialException(String message) {
        super(ExitCategory.CONFIG, message);
    }

    public KeyMaterialException(String message, Throwable cause) {
        super(ExitCategory.CONFIG, message, cause);
    }
}
