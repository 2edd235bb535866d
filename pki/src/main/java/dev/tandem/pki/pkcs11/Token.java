package dev.tandem.pki.pkcs11;

/**
 * A token present in a slot, with the CK_TOKEN_INFO fields an RFC 7512 URI can match (trailing blanks removed).
 *
 * @param slotId       the slot's CK_SLOT_ID, what SunPKCS11's {@code slot} setting takes
 * @param label        token label ({@code token=} in a URI)
 * @param manufacturer manufacturer ID ({@code manufacturer=})
 * @param model        model ({@code model=})
 * @param serial       serial number ({@code serial=})
 */
public record Token(long slotId, String label, String manufacturer, String model, String serial) {
}
