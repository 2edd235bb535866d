package dev.tandem.pki.pkcs11;

/** A PKCS#11 call failed or the module could not be loaded; the message names the call and the module. */
public class Pkcs11CallException extends RuntimeException {

    private final long returnValue;

    public Pkcs11CallException(String message, long returnValue) {
        super(message);
        this.returnValue = returnValue;
    }

    public Pkcs11CallException(String message, Throwable cause) {
        super(message, cause);
        this.returnValue = -1;
    }

    /** The CK_RV the call returned, or -1 when the module could not be called at all. */
    public long returnValue() {
        return returnValue;
    }
}
