package dev.tandem.storage.linux;

import com.sun.jna.NativeLong;

/**
 * Block-layer ioctl numbers from {@code <linux/fs.h>}, computed the way the kernel's {@code _IO}/{@code _IOR}
 * macros do, so they are right where {@code size_t} is 4 bytes (32-bit ARM) too.
 */
final class Ioctl {

    private static final int IOC_READ = 2;

    private Ioctl() {
    }

    static NativeLong io(int type, int nr) {
        return new NativeLong((type << 8) | nr);
    }

    static NativeLong ior(int type, int nr, int size) {
        return new NativeLong(((long) IOC_READ << 30) | ((long) size << 16) | ((long) type << 8) | nr);
    }

    /** BLKGETSIZE64 = _IOR(0x12, 114, size_t); the kernel always writes a u64. */
    static final NativeLong BLKGETSIZE64 = ior(0x12, 114, LibC.is32Bit() ? 4 : 8);
    /** BLKFLSBUF = _IO(0x12, 97): write back and drop the device's buffer cache. */
    static final NativeLong BLKFLSBUF = io(0x12, 97);
    /** BLKZEROOUT = _IO(0x12, 127), argument u64[2] = {offset, length}. */
    static final NativeLong BLKZEROOUT = io(0x12, 127);
}
