package dev.tandem.pki;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;

/** A signature does not prove what it must. Maps to exit code 3 (verification failed). */
public class SignatureException extends TandemException {

    /** What went wrong, for callers that branch on it (never on the message). */
    public enum Reason {
        MALFORMED, NOT_TRUSTED, EXPIRED, NOT_YET_VALID, REVOKED, KEY_USAGE, SIGNATURE_MISMATCH, WEAK_ALGORITHM,
        TOO_FEW_SIGNATURES, SIGNER_NOT_ALLOWED
    }

    private final Reason reason;

    public SignatureException(Reason reason, String message) {
        super(ExitCategory.VERIFICATION, message);
        this.reason = reason;
    }

    public SignatureException(Reason reason, String message, Throwable cause) {
        super(ExitCategory.VERIFICATION, message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
