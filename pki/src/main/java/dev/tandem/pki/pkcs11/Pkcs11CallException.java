package dev.tandem.pki.pkcs11;

import dev.tandem.errors.ExitCategory;
import dev.tandem.errors.TandemException;

/** A PKCS#11 call failed or the module could not be loaded; the message names the call and the module. */
public class Pkcs11CallException extends TandemException {

    private final long returnValue;

    public Pkcs11CallException(String message, long returnValue) {
        super(ExitCategory.CONFIG, message);
        this.returnValue = returnValue;
    }

    public Pkcs11CallException(String message, Throwable cause) {
        super(ExitCategory.CONFIG, message, cause);
        this.returnValue = -1;
    }

    /** The CK_RV the call returned, or -1 when the module could not be called at all. */
    public long returnValue() {
        return returnValue;
    }
}
