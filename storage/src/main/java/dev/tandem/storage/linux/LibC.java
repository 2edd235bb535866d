package dev.tandem.storage.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/** The few libc calls the installer needs. 64-bit offsets everywhere, also on 32-bit ARM. */
interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int O_RDONLY = 0;
    int O_RDWR = 2;
    int O_EXCL = 0200;
    int O_CLOEXEC = 02000000;

    int FALLOC_FL_KEEP_SIZE = 0x01;
    int FALLOC_FL_PUNCH_HOLE = 0x02;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int ioctl(int fd, com.sun.jna.NativeLong request, long[] arg) throws LastErrorException;

    int ioctl(int fd, com.sun.jna.NativeLong request) throws LastErrorException;

    /** {@code fallocate64}: the 64-bit-offset symbol, present on 32- and 64-bit glibc alike. */
    int fallocate64(int fd, int mode, long offset, long len) throws LastErrorException;

    String strerror(int errno);

    /** Whether {@code size_t} is 4 bytes here (it changes the ioctl numbers that encode a size). */
    static boolean is32Bit() {
        return Native.SIZE_T_SIZE == 4 || !Platform.is64Bit();
    }
}
