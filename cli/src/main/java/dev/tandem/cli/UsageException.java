package dev.tandem.cli;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;

/** The command line asks for something that cannot be done as asked. Exit code 2. */
public class UsageException extends TandemException {

    public UsageException(String message) {
        super(ExitCategory.USAGE, message);
    }
}
