package dev.tandem.agent.ddi;

import dev.tandem.errors.Categorized;
import dev.tandem.errors.ExitCategory;
import java.io.IOException;

/**
 * A DDI request failed. Callers branch on {@link #kind()}: a {@link Kind#NETWORK} or {@link Kind#SERVER} failure
 * is worth another try after a backoff; {@link Kind#NOT_FOUND} and {@link Kind#GONE} mean the resource (an action)
 * is no longer there.
 */
public final class DdiException extends IOException implements Categorized {

    /** What went wrong, coarse enough to act on. */
    public enum Kind {
        /** No answer: connect, TLS, timeout, reset. */
        NETWORK,
        /** 401 or 403: the token is wrong, or the tenant does not accept this kind of token. */
        AUTH,
        /** 404: the action or target does not exist (a canceled action's deploymentBase, a wrong id). */
        NOT_FOUND,
        /** 410: the action is closed; hawkBit refuses feedback to it. */
        GONE,
        /** 429 or 5xx: the server is overloaded or failing. */
        SERVER,
        /** Any other status, a redirect, or a body that is not the expected message (or is too large). */
        PROTOCOL,
        /**
         * A link the client does not follow: it points away from the configured server (another scheme, host or
         * port), and the token goes only there. Not transient: the same answer is refused again.
         */
        REFUSED
    }

    private final Kind kind;
    private final int status;

    public DdiException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, 0 when there was no answer. */
    public int status() {
        return status;
    }

    /** Whether a later attempt may succeed without anything changing on the device. */
    public boolean isTransient() {
        return kind == Kind.NETWORK || kind == Kind.SERVER;
    }

    /** The failure kind of an HTTP status that is not 2xx. */
    static Kind kindOf(int status) {
        if (status == 401 || status == 403) {
            return Kind.AUTH;
        }
        if (status == 404) {
            return Kind.NOT_FOUND;
        }
        if (status == 410) {
            return Kind.GONE;
        }
        if (status == 429 || status >= 500) {
            return Kind.SERVER;
        }
        return Kind.PROTOCOL;
    }

    @Override
    public ExitCategory category() {
        return ExitCategory.IO;
    }
}
