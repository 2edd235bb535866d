package dev.tandem.agent.feed;

import dev.tandem.errors.Categorized;
import dev.tandem.errors.ExitCategory;

/** A feed that is refused, with the one-line reason. */
public final class FeedException extends Exception implements Categorized {

    /** Why. */
    public enum Kind {
        /** Larger than the bounds, or not read in time. */
        TOO_LARGE,
        /** The signature does not verify against the keyring and signer policy. */
        SIGNATURE,
        /** Not a feed: bad JSON, wrong types, out of bounds. */
        MALFORMED,
        /** Another channel's feed. */
        CHANNEL,
        /** Past its {@code expires}. */
        EXPIRED,
        /** Older than the last feed seen: a freeze or replay. */
        REPLAYED
    }

    private final Kind kind;

    public FeedException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public FeedException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** A feed too large or too slow is the server's failure (exit 7); any other refusal is verification (exit 3). */
    @Override
    public ExitCategory category() {
        return kind == Kind.TOO_LARGE ? ExitCategory.SOURCE : ExitCategory.VERIFICATION;
    }
}
