package dev.tandem.slot;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;

/**
 * Another tandem operation holds the data-dir lock. Maps to exit code 9 (ARCHITECTURE.md §8).
 * The message names the holder as its lock file describes it ("pid 4242: install 37 %").
 */
public class BusyException extends TandemException {

    /** Exit code of this failure (ARCHITECTURE.md §8). */
    public static final int EXIT_CODE = 9;

    private final String holder;

    public BusyException(String holder) {
        super(ExitCategory.BUSY, "another tandem operation is running (" + holder + ")");
        this.holder = holder;
    }

    /** The holder's own description from the lock file, e.g. {@code pid 4242: install 37 %}. */
    public String holder() {
        return holder;
    }
}
