package dev.tandem.bundle;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;

/**
 * The bundle is not what its signed manifest says: malformed container, manifest or chunk table, a hash
 * mismatch, a size that does not add up. Maps to exit code 3.
 *
 * <p>Callers branch on {@link #kind()} and the fields, never on the message.
 */
public class VerificationException extends TandemException {

    /** What failed. */
    public enum Kind {
        /** The tar container breaks a rule of FORMAT.md §1. */
        CONTAINER,
        /** The manifest breaks a rule of FORMAT.md §2. */
        MANIFEST,
        /** The chunk table breaks a rule of FORMAT.md §3, or its hash differs. */
        INDEX,
        /** A stored chunk does not decode or does not hash to its signed chunk hash. */
        CHUNK,
        /** A whole image does not hash to its signed sha256. */
        IMAGE
    }

    private final Kind kind;
    private final long chunkIndex;
    private final String expected;
    private final String actual;

    public VerificationException(Kind kind, String message) {
        this(kind, message, -1, null, null);
    }

    public VerificationException(Kind kind, String message, long chunkIndex, String expected, String actual) {
        super(ExitCategory.VERIFICATION, message);
        this.kind = kind;
        this.chunkIndex = chunkIndex;
        this.expected = expected;
        this.actual = actual;
    }

    public Kind kind() {
        return kind;
    }

    /** The chunk concerned, or -1. */
    public long chunkIndex() {
        return chunkIndex;
    }

    /** The signed value, when a value was compared (hex hash, size, ...), else null. */
    public String expected() {
        return expected;
    }

    /** The value found, when a value was compared, else null. */
    public String actual() {
        return actual;
    }
}
