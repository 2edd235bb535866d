package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.bundle.ChunkDecoder;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ChunkKind;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.bundle.VerificationException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Fills a job's {@code data} with its chunk, from wherever its route says, and checks it against the signed chunk
 * hash: the only place that sets {@link ChunkJob#verified}. Runs on a verify worker (the in-place check on the
 * fetch thread); the caller's {@link ChunkDecoder} belongs to that thread.
 *
 * <p>A downloaded chunk that fails its check fails the install ({@link VerificationException}). A local copy that
 * fails it (a stale table, changed local data) is only not there: false, and it is downloaded instead. A read of
 * the target or the local slot that ends early is an I/O error, not a failed check.
 */
final class ChunkVerifier {

    private final ChunkIndex index;
    private final ImageEntry image;
    private final ChunkRoutes routes;
    private final BlockTarget target;
    private final BlockTarget local;

    /** @param local the local source slot; null when no route reads it */
    ChunkVerifier(ChunkIndex index, ChunkRoutes routes, BlockTarget target, BlockTarget local) {
        this.index = index;
        this.image = index.image();
        this.routes = routes;
        this.target = target;
        this.local = local;
    }

    /**
     * Verifies a DOWNLOAD, LOCAL or ASSEMBLE job.
     *
     * @return true when verified; false when the local copy is not the chunk (it must be downloaded)
     * @throws VerificationException a downloaded chunk is not the signed one
     */
    boolean verify(ChunkJob j, ChunkDecoder decoder) throws IOException {
        switch (j.route) {
            case DOWNLOAD -> {
                // Decoding checks the chunk hash: it throws when a downloaded chunk is not the signed one.
                decode(j, decoder);
                j.verified = true;
                return true;
            }
            case LOCAL -> readFully(local, "the local slot", j.data, 0, j.length, routes.localOffset(j.index));
            case ASSEMBLE -> assemble(j);
            default -> throw new IllegalStateException("no verification for route " + j.route);
        }
        return j.verified = matches(j, decoder);
    }

    /** Checks the job's chunk where it should already be, at its own offset on the target. */
    boolean verifyInPlace(ChunkJob j, ChunkDecoder decoder) throws IOException {
        readFully(target, "the target", j.data, 0, j.length, image.chunkOffset(j.index));
        return j.verified = matches(j, decoder);
    }

    private void decode(ChunkJob j, ChunkDecoder decoder) {
        if (index.kind(j.index) == ChunkKind.RAW && j.storedLength == j.length) {
            // A raw chunk is its own data: verify the fetched bytes where they are (saves a copy of every
            // incompressible byte).
            decoder.verify(index, j.index, j.stored, j.length, j.blockHashes);
            byte[] d = j.data;
            j.data = j.stored;
            j.stored = d;
        } else {
            decoder.decode(index, j.index, j.stored, 0, j.storedLength, j.data, j.blockHashes);
        }
    }

    private boolean matches(ChunkJob j, ChunkDecoder decoder) {
        try {
            decoder.verify(index, j.index, j.data, j.length, j.blockHashes);
            return true;
        } catch (VerificationException e) {
            return false;
        }
    }

    /**
     * Reads a chunk's blocks from wherever the hints said they are on the local slot; runs of consecutive
     * blocks are read in one call, never past the chunk's last block. Unverified until the caller checks the
     * chunk hash.
     */
    private void assemble(ChunkJob j) throws IOException {
        int blocks = ChunkHasher.blockCount(j.length);
        int b = 0;
        while (b < blocks) {
            int first = routes.localBlock(j.index, b);
            if (first == ChunkRoutes.ZERO_BLOCK) {
                // The worker's buffer still holds an earlier chunk.
                Arrays.fill(j.data, b * ImageEntry.BLOCK_SIZE, (b + 1) * ImageEntry.BLOCK_SIZE, (byte) 0);
                b++;
                continue;
            }
            int run = 1;
            while (b + run < blocks && routes.localBlock(j.index, b + run) == first + run) {
                run++;
            }
            readFully(local, "the local slot", j.data, b * ImageEntry.BLOCK_SIZE, run * ImageEntry.BLOCK_SIZE,
                    (long) first * ImageEntry.BLOCK_SIZE);
            b += run;
        }
    }

    private static void readFully(BlockTarget t, String what, byte[] buf, int at, int len, long offset)
            throws IOException {
        int n = t.read(ByteBuffer.wrap(buf, at, len), offset);
        if (n < len) {
            throw new IOException("reading " + what + ": " + len + " bytes at offset " + offset + " ended after "
                    + Math.max(0, n) + " bytes");
        }
    }
}
