package dev.tandem.agent;

import dev.tandem.install.http.SourceException;
import dev.tandem.slot.BusyException;
import dev.tandem.slot.policy.PolicyException;
import java.io.InterruptedIOException;

/**
 * What a failed install means for the action, decided by the failure's type and fields, never its text (STYLE
 * "Errors"): a failure that may pass is retried (the installer's journal makes the retry a resume); the version
 * already running is a success; everything else is the action's failure, with the one-line message as reason.
 *
 * @param kind   what to do
 * @param reason one line
 */
public record InstallFailure(Kind kind, String reason) {

    /** What to do about a failed install. */
    public enum Kind {
        /** The network, the server or the lock: try again later, resuming. */
        TRANSIENT,
        /** The bundle's version already runs on the booted slot: nothing to do, which is a success. */
        ALREADY_RUNNING,
        /** The action failed: verification, policy, slot I/O, a refused request, ... */
        FINAL
    }

    public static InstallFailure of(Throwable t) {
        String reason = oneLine(t);
        if (t instanceof SourceException s) {
            return new InstallFailure(transientSource(s) ? Kind.TRANSIENT : Kind.FINAL, reason);
        }
        if (t instanceof BusyException || t instanceof InterruptedIOException) {
            return new InstallFailure(Kind.TRANSIENT, reason);
        }
        if (t instanceof PolicyException p && p.reason() == PolicyException.Reason.REINSTALL) {
            return new InstallFailure(Kind.ALREADY_RUNNING, reason);
        }
        return new InstallFailure(Kind.FINAL, reason);
    }

    /**
     * Dropped connections, timeouts, a server that is down or busy (5xx, 429 answers), an artifact that is briefly
     * missing or was replaced: worth another try. A request budget that is spent, 4xx answers, TLS and protocol
     * failures are not.
     */
    private static boolean transientSource(SourceException s) {
        return switch (s.reason()) {
            case NETWORK, TIMEOUT, NOT_FOUND, CHANGED -> true;
            case HTTP_STATUS -> s.status() == 408 || s.status() >= 500;
            case TOO_MANY_REQUESTS -> s.status() == 429;
            default -> false;
        };
    }

    /** The message on one line, with the type when there is no message. */
    public static String oneLine(Throwable t) {
        return dev.tandem.errors.ErrorMessages.oneLine(t);
    }
}
