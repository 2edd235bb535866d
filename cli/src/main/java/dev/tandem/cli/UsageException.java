package dev.tandem.cli;

/** The command line asks for something that cannot be done as asked. Exit code 2. */
public class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}
