package dev.tandem.bundle;

import java.io.ByteArrayOutputStream;

/**
 * Hand-made zstd frames (RFC 8878 §3.1), for shapes the library will not write: a frame header that lies
 * about its content size, a large window, a dictionary id, raw and RLE blocks, skippable frames.
 */
final class ZstdFrames {

    private ZstdFrames() {
    }

    /**
     * A frame header.
     *
     * @param contentSize   declared content size, or -1 for none
     * @param singleSegment no window descriptor; the window is the content size (needs a content size)
     * @param windowLog     window size 2^windowLog when not single-segment
     * @param dictId        dictionary id, 0 for none
     */
    static byte[] header(long contentSize, boolean singleSegment, int windowLog, long dictId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        le(out, 0xFD2FB528L, 4);
        int fcsFlag;
        int fcsBytes;
        if (contentSize < 0) {
            fcsFlag = 0;
            fcsBytes = 0;
        } else if (singleSegment && contentSize < 256) {
            fcsFlag = 0;
            fcsBytes = 1;
        } else if (contentSize >= 256 && contentSize < 65536 + 256) {
            fcsFlag = 1;
            fcsBytes = 2;
        } else if (contentSize < (1L << 32)) {
            fcsFlag = 2;
            fcsBytes = 4;
        } else {
            fcsFlag = 3;
            fcsBytes = 8;
        }
        int dictFlag = dictId == 0 ? 0 : dictId < 256 ? 1 : dictId < 65536 ? 2 : 3;
        int dictBytes = new int[] {0, 1, 2, 4}[dictFlag];
        out.write(fcsFlag << 6 | (singleSegment ? 1 << 5 : 0) | dictFlag);
        if (!singleSegment) {
            out.write((windowLog - 10) << 3);
        }
        le(out, dictId, dictBytes);
        le(out, fcsFlag == 1 ? contentSize - 256 : contentSize, fcsBytes);
        return out.toByteArray();
    }

    /** A raw (stored) block. */
    static byte[] rawBlock(byte[] data, int off, int len, boolean last) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        le(out, (last ? 1 : 0) | (long) len << 3, 3);
        out.write(data, off, len);
        return out.toByteArray();
    }

    /** An RLE block: {@code count} copies of {@code b}. */
    static byte[] rleBlock(byte b, int count, boolean last) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        le(out, (last ? 1 : 0) | 1 << 1 | (long) count << 3, 3);
        out.write(b);
        return out.toByteArray();
    }

    /** A frame holding {@code data} in raw blocks of at most 128 KiB. */
    static byte[] rawFrame(byte[] data, long declaredSize, boolean singleSegment, int windowLog) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header(declaredSize, singleSegment, windowLog, 0));
        int at = 0;
        do {
            int n = Math.min(128 * 1024, data.length - at);
            out.writeBytes(rawBlock(data, at, n, at + n == data.length));
            at += n;
        } while (at < data.length);
        return out.toByteArray();
    }

    /** A skippable frame (magic 0x184D2A5?) holding {@code data}. */
    static byte[] skippable(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        le(out, 0x184D2A50L, 4);
        le(out, data.length, 4);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static void le(ByteArrayOutputStream out, long v, int bytes) {
        for (int k = 0; k < bytes; k++) {
            out.write((int) (v >>> (8 * k)) & 0xff);
        }
    }
}
