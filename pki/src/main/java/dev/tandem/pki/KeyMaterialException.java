package dev.tandem.pki;

/**
 * A key, certificate or keyring file is missing, unreadable or not what it should be.
 * Maps to exit code 6 (configuration error).
 */
public class KeyMaterialException extends RuntimeException {

    public KeyMaterialException(String message) {
        super(message);
    }

    public KeyMaterialException(String message, Throwable cause) {
        super(message, cause);
    }
}
