package dev.tandem.cli;

import dev.tandem.install.http.SourceException;
import dev.tandem.storage.linux.NativeIoException;
import dev.tandem.slot.BusyException;
import dev.tandem.slot.ConfigException;
import dev.tandem.slot.PolicyException;
import dev.tandem.slot.SlotIoException;

/**
 * Exit codes of the error types of slot-manager and stream-installer. Kept apart from {@link ErrorHandler} so
 * that the table of ARCHITECTURE.md §8 reads in one place per module.
 */
final class ModuleErrors {

    private ModuleErrors() {
    }

    /** The exit code for {@code e}, or null when it is not one of these modules' errors. */
    static ExitCode exitCode(Throwable e) {
        if (e instanceof PolicyException) {
            return ExitCode.POLICY;
        }
        if (e instanceof ConfigException) {
            return ExitCode.CONFIG;
        }
        if (e instanceof SlotIoException || e instanceof NativeIoException) {
            return ExitCode.IO;
        }
        if (e instanceof BusyException) {
            return ExitCode.BUSY;
        }
        if (e instanceof SourceException) {
            return ExitCode.SOURCE;
        }
        return null;
    }
}
