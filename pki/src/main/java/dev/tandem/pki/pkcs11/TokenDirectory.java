package dev.tandem.pki.pkcs11;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.NativeLongByReference;

/**
 * Lists the tokens of a PKCS#11 module and the public certificate objects on a token, without logging in.
 *
 * <p>Why this exists: SunPKCS11 selects a token by slot id or slot list index only, and SoftHSM2 (like
 * many HSMs) gives slots random ids, so an RFC 7512 {@code token=} label must be mapped to a slot first.
 * SunPKCS11 does not show token labels, and its internal wrapper is not exported from
 * {@code jdk.crypto.cryptoki}. Trying each slot with the PIN instead would count failed logins against
 * other tokens' PIN retry limits, so tandem reads the token information, which needs no login.
 *
 * <p>The module is initialised with {@code CKF_OS_LOCKING_OK} and never finalised: PKCS#11 state is per
 * process, SunPKCS11 uses the same module afterwards (it accepts CKR_CRYPTOKI_ALREADY_INITIALIZED), and a
 * C_Finalize would close its sessions. Thread-safe: calls are serialised, which costs nothing at this rate.
 */
public final class TokenDirectory {

    private static final Object LOCK = new Object();
    private static final int TOKEN_INFO_BYTES = 512; // CK_TOKEN_INFO is ~160-210 bytes; the strings come first
    private static final long CK_UNAVAILABLE_INFORMATION = -1L;

    private TokenDirectory() {
    }

    /** Tokens present in the module's slots. */
    public static List<Token> tokens(Path module) {
        synchronized (LOCK) {
            Cryptoki p11 = open(module);
            NativeLongByReference count = new NativeLongByReference();
            check(p11.C_GetSlotList((byte) 1, null, count), "C_GetSlotList", module);
            int n = (int) count.getValue().longValue();
            List<Token> tokens = new ArrayList<>();
            if (n == 0) {
                return tokens;
            }
            Memory slots = new Memory((long) n * NativeLong.SIZE);
            check(p11.C_GetSlotList((byte) 1, slots, count), "C_GetSlotList", module);
            n = (int) count.getValue().longValue();
            for (int i = 0; i < n; i++) {
                NativeLong slot = slots.getNativeLong((long) i * NativeLong.SIZE);
                Memory info = new Memory(TOKEN_INFO_BYTES);
                info.clear();
                check(p11.C_GetTokenInfo(slot, info), "C_GetTokenInfo(slot " + unsigned(slot) + ")", module);
                // CK_TOKEN_INFO starts with label[32], manufacturerID[32], model[16], serialNumber[16]:
                // fixed offsets, independent of the platform's unsigned long size.
                tokens.add(new Token(unsigned(slot), blankPadded(info, 0, 32), blankPadded(info, 32, 32),
                        blankPadded(info, 64, 16), blankPadded(info, 80, 16)));
            }
            return tokens;
        }
    }

    /** Public certificate objects on the token in {@code slotId} (visible without login). */
    public static List<CertificateObject> certificateObjects(Path module, long slotId) {
        synchronized (LOCK) {
            Cryptoki p11 = open(module);
            NativeLongByReference sessionRef = new NativeLongByReference();
            check(p11.C_OpenSession(new NativeLong(slotId), new NativeLong(Cryptoki.CKF_SERIAL_SESSION), null, null,
                    sessionRef), "C_OpenSession(slot " + slotId + ")", module);
            NativeLong session = sessionRef.getValue();
            try {
                Memory certificateClass = new Memory(NativeLong.SIZE);
                certificateClass.setNativeLong(0, new NativeLong(Cryptoki.CKO_CERTIFICATE));
                Memory template = attributes(1);
                setAttribute(template, 0, Cryptoki.CKA_CLASS, certificateClass, NativeLong.SIZE);
                check(p11.C_FindObjectsInit(session, template, new NativeLong(1)), "C_FindObjectsInit", module);
                List<NativeLong> handles = new ArrayList<>();
                try {
                    Memory batch = new Memory(16L * NativeLong.SIZE);
                    NativeLongByReference found = new NativeLongByReference();
                    do {
                        check(p11.C_FindObjects(session, batch, new NativeLong(16), found), "C_FindObjects", module);
                        for (int i = 0; i < found.getValue().longValue(); i++) {
                            handles.add(batch.getNativeLong((long) i * NativeLong.SIZE));
                        }
                    } while (found.getValue().longValue() > 0 && handles.size() < 10_000);
                } finally {
                    p11.C_FindObjectsFinal(session);
                }
                List<CertificateObject> objects = new ArrayList<>();
                for (NativeLong handle : handles) {
                    byte[] label = attribute(p11, session, handle, Cryptoki.CKA_LABEL, module);
                    byte[] id = attribute(p11, session, handle, Cryptoki.CKA_ID, module);
                    objects.add(new CertificateObject(label == null ? null
                            : new String(label, StandardCharsets.UTF_8), id == null ? new byte[0] : id));
                }
                return objects;
            } finally {
                p11.C_CloseSession(session);
            }
        }
    }

    private static Cryptoki open(Path module) {
        if (NativeLong.SIZE != Native.POINTER_SIZE) {
            // CK_ATTRIBUTE and CK_C_INITIALIZE_ARGS are laid out below for Unix ABIs (LP64, ILP32).
            throw new Pkcs11CallException("PKCS#11 via tandem needs a platform where long and pointers"
                    + " have the same size", -1);
        }
        Cryptoki p11;
        try {
            p11 = Native.load(module.toString(), Cryptoki.class);
        } catch (UnsatisfiedLinkError e) {
            throw new Pkcs11CallException("cannot load PKCS#11 module " + module + " (" + e.getMessage() + ")", e);
        }
        // CK_C_INITIALIZE_ARGS: four mutex callbacks (null), flags, pReserved (null).
        Memory args = new Memory(6L * Native.POINTER_SIZE);
        args.clear();
        args.setNativeLong(4L * Native.POINTER_SIZE, new NativeLong(Cryptoki.CKF_OS_LOCKING_OK));
        long rv = p11.C_Initialize(args).longValue();
        if (rv != Cryptoki.CKR_OK && rv != Cryptoki.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
            throw new Pkcs11CallException("C_Initialize of " + module + " failed: " + name(rv), rv);
        }
        return p11;
    }

    /** An attribute's value, or null when the object does not have it. */
    private static byte[] attribute(Cryptoki p11, NativeLong session, NativeLong object, long type, Path module) {
        Memory template = attributes(1);
        setAttribute(template, 0, type, null, 0);
        long rv = p11.C_GetAttributeValue(session, object, template, new NativeLong(1)).longValue();
        long length = template.getNativeLong(2L * NativeLong.SIZE).longValue();
        if (rv != Cryptoki.CKR_OK || length == CK_UNAVAILABLE_INFORMATION) {
            return null;
        }
        if (length == 0) {
            return new byte[0];
        }
        Memory value = new Memory(length);
        setAttribute(template, 0, type, value, length);
        check(p11.C_GetAttributeValue(session, object, template, new NativeLong(1)), "C_GetAttributeValue", module);
        return value.getByteArray(0, (int) template.getNativeLong(2L * NativeLong.SIZE).longValue());
    }

    /** An array of CK_ATTRIBUTE {type, pValue, ulValueLen}. */
    private static Memory attributes(int n) {
        Memory m = new Memory(3L * NativeLong.SIZE * n);
        m.clear();
        return m;
    }

    private static void setAttribute(Memory template, int index, long type, Pointer value, long length) {
        long base = 3L * NativeLong.SIZE * index;
        template.setNativeLong(base, new NativeLong(type));
        template.setPointer(base + NativeLong.SIZE, value);
        template.setNativeLong(base + 2L * NativeLong.SIZE, new NativeLong(length));
    }

    private static void check(NativeLong rv, String call, Path module) {
        if (rv.longValue() != Cryptoki.CKR_OK) {
            throw new Pkcs11CallException(call + " on " + module + " failed: " + name(rv.longValue()), rv.longValue());
        }
    }

    private static String blankPadded(Pointer p, int offset, int length) {
        return new String(p.getByteArray(offset, length), StandardCharsets.UTF_8).replaceAll("[ \\x00]+$", "");
    }

    private static long unsigned(NativeLong value) {
        return NativeLong.SIZE == 4 ? value.longValue() & 0xFFFF_FFFFL : value.longValue();
    }

    private static String name(long rv) {
        String code = String.format("0x%X", rv);
        return switch ((int) rv) {
            case 0x3 -> "CKR_SLOT_ID_INVALID (" + code + ")";
            case 0x5 -> "CKR_GENERAL_ERROR (" + code + ")";
            case 0x6 -> "CKR_FUNCTION_FAILED (" + code + ")";
            case 0xE0 -> "CKR_TOKEN_NOT_PRESENT (" + code + ")";
            case 0xE1 -> "CKR_TOKEN_NOT_RECOGNIZED (" + code + ")";
            default -> "CK_RV " + code;
        };
    }
}
