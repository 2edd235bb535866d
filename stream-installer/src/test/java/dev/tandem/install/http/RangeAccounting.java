package dev.tandem.install.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * What an interrupted install asked the server for again: the image chunks a slot already held, and the bytes of
 * them that later requests' {@code Range} headers (as {@link FaultInjectingProxy} recorded them) covered. For an
 * image stored raw, chunk after chunk, from the bundle's {@code dataOffset} (a random image does not compress).
 *
 * @param chunkSize  the bundle's chunk size
 * @param imageSize  the image's size; ranges beyond it (signatures, tables) count none
 */
public record RangeAccounting(int chunkSize, long imageSize) {

    /** The chunks whose bytes in {@code slot} equal the image's ({@code image} read from its start). */
    public BitSet chunksOnDisk(InputStream slot, InputStream image) throws IOException {
        BitSet on = new BitSet();
        byte[] a = new byte[chunkSize];
        byte[] b = new byte[chunkSize];
        for (int c = 0; c < imageSize / chunkSize; c++) {
            slot.readNBytes(a, 0, chunkSize);
            image.readNBytes(b, 0, chunkSize);
            if (Arrays.equals(a, b)) {
                on.set(c);
            }
        }
        return on;
    }

    /** Image bytes the requests' Range headers asked for that {@code onDisk} already held. */
    public long askedAgain(List<FaultInjectingProxy.Recorded> requests, long dataOffset, BitSet onDisk) {
        long sum = 0;
        for (FaultInjectingProxy.Recorded r : requests) {
            sum += askedAgain(r.headers().get("Range"), dataOffset, onDisk);
        }
        return sum;
    }

    /** Image bytes one Range header asks for that {@code onDisk} already held; an open-ended range counts none. */
    public long askedAgain(String range, long dataOffset, BitSet onDisk) {
        if (range == null || !range.startsWith("bytes=")) {
            return 0;
        }
        long sum = 0;
        for (String spec : range.substring("bytes=".length()).split(",")) {
            String[] ab = spec.trim().split("-", -1);
            if (ab[0].isEmpty() || ab[1].isEmpty()) {
                continue;
            }
            long from = Long.parseLong(ab[0]) - dataOffset;
            long to = Long.parseLong(ab[1]) + 1 - dataOffset;
            for (long c = Math.max(0, from / chunkSize); c * chunkSize < to && c < imageSize / chunkSize; c++) {
                if (onDisk.get((int) c)) {
                    sum += Math.min(to, (c + 1) * chunkSize) - Math.max(from, c * chunkSize);
                }
            }
        }
        return sum;
    }
}
