package dev.tandem.agent;

import dev.tandem.errors.Categorized;
import dev.tandem.errors.ExitCategory;
import java.io.IOException;

/** The install was stopped on purpose (a cancel from the server, or the agent shutting down). */
public final class CanceledException extends IOException implements Categorized {

    public CanceledException(String message) {
        super(message);
    }

    @Override
    public ExitCategory category() {
        return ExitCategory.IO;
    }
}
