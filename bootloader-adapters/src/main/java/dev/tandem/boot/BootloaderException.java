package dev.tandem.boot;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;

/**
 * A bootloader environment could not be read or written, or is not in a state tandem can act on.
 * Maps to exit code 8.
 */
public class BootloaderException extends TandemException {

    public BootloaderException(String message) {
        super(ExitCategory.BOOTLOADER, message);
    }

    public BootloaderException(String message, Throwable cause) {
        super(ExitCategory.BOOTLOADER, message, cause);
    }
}
