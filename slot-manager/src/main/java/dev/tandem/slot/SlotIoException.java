package dev.tandem.slot;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;

/**
 * Reading or writing the slot manager's own files (status.json, the lock) or probing a slot failed.
 * Maps to exit code 5 (ARCHITECTURE.md §8).
 */
public class SlotIoException extends TandemException {

    /** Exit code of this failure (ARCHITECTURE.md §8). */
    public static final int EXIT_CODE = 5;

    public SlotIoException(String message) {
        super(ExitCategory.IO, message);
    }

    public SlotIoException(String message, Throwable cause) {
        super(ExitCategory.IO, message, cause);
    }
}
