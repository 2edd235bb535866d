package dev.tandem.cli;

/**
 * Exit codes of the error types of slot-manager and stream-installer. Kept apart from {@link ErrorHandler} so
 * that the table of DESIGN §8 reads in one place per module.
 */
final class ModuleErrors {

    private ModuleErrors() {
    }

    /** The exit code for {@code e}, or null when it is not one of these modules' errors. */
    static ExitCode exitCode(Throwable e) {
        return null;
    }
}
