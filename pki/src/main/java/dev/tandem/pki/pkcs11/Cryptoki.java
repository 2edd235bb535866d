package dev.tandem.pki.pkcs11;

import com.sun.jna.Library;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.NativeLongByReference;

/**
 * The PKCS#11 v2.40 functions tandem calls, bound to the symbols every module exports. CK_ULONG and the
 * handle types are C {@code unsigned long}, hence {@link NativeLong}; CK_BBOOL is a byte.
 */
interface Cryptoki extends Library {

    long CKR_OK = 0;
    long CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
    long CKF_OS_LOCKING_OK = 0x2;
    long CKF_SERIAL_SESSION = 0x4;
    long CKA_CLASS = 0x0;
    long CKA_LABEL = 0x3;
    long CKA_ID = 0x102;
    long CKO_CERTIFICATE = 0x1;

    NativeLong C_Initialize(Pointer initArgs);

    NativeLong C_GetSlotList(byte tokenPresent, Pointer slotList, NativeLongByReference count);

    NativeLong C_GetTokenInfo(NativeLong slotId, Pointer info);

    NativeLong C_OpenSession(NativeLong slotId, NativeLong flags, Pointer application, Pointer notify,
                             NativeLongByReference session);

    NativeLong C_CloseSession(NativeLong session);

    NativeLong C_FindObjectsInit(NativeLong session, Pointer template, NativeLong count);

    NativeLong C_FindObjects(NativeLong session, Pointer objects, NativeLong maxCount, NativeLongByReference count);

    NativeLong C_FindObjectsFinal(NativeLong session);

    NativeLong C_GetAttributeValue(NativeLong session, NativeLong object, Pointer template, NativeLong count);
}
