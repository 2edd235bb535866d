package dev.tandem.boot;

/**
 * A bootloader environment could not be read or written, or is not in a state tandem can act on.
 * Maps to exit code 8.
 */
public class BootloaderException extends RuntimeException {

    public BootloaderException(String message) {
        super(message);
    }

    public BootloaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
