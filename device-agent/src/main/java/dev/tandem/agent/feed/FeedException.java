package dev.tandem.agent.feed;

/** A feed that is refused, with the one-line reason. */
public final class FeedException extends Exception {

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
}
