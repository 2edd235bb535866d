package dev.tandem.install;

import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ChunkKind;
import dev.tandem.bundle.ImageEntry;

/**
 * Chooses a route for every chunk of a new image before anything is written (ARCHITECTURE.md §4 "Adaptive"), from
 * cheapest to dearest: already done; zero; already in place on the target; the same chunk on the local source
 * slot; download. Only hashes decide; every chunk is verified again on its route, and a route that fails its
 * check falls back to a download.
 */
final class ReusePlanner {

    private final ChunkIndex index;
    private final ImageEntry image;

    ReusePlanner(ChunkIndex index) {
        this.index = index;
        this.image = index.image();
    }

    /**
     * @param doneBelow      chunks below this are written and synced (resume), else 0
     * @param checkWindow    chunks from {@code doneBelow} on that an interrupted run may have written: check in place
     *                       (0 for a fresh install; a resume needs it even when done-below is still 0)
     * @param targetBefore   the target's saved table from before this install, or null (write avoidance)
     * @param local          the local source slot's saved table, or null
     * @param localSize      bytes readable on the local source slot
     */
    ChunkRoutes plan(long doneBelow, long checkWindow, SavedTables.SavedChunks targetBefore,
                     SavedTables.SavedChunks local, long localSize) {
        ChunkRoutes routes = new ChunkRoutes(index.count());
        LongLongMap localChunks = local != null && local.chunkSize() == image.chunkSize() ? localMap(local) : null;
        byte[] hash = new byte[32];
        for (long i = 0; i < index.count(); i++) {
            if (i < doneBelow) {
                routes.set(i, ChunkRoutes.Route.DONE);
                continue;
            }
            boolean maybeWritten = i < doneBelow + checkWindow;
            boolean unchanged = targetBefore != null && targetBefore.chunkSize() == image.chunkSize()
                    && i < targetBefore.count() && image.chunkLength(i) == chunkLength(targetBefore, i)
                    && targetBefore.hashEquals(i, index, i);
            if (index.kind(i) == ChunkKind.ZERO && !unchanged) {
                routes.set(i, ChunkRoutes.Route.ZERO);
                continue;
            }
            long localOffset = localChunks == null || unchanged ? -1
                    : localOffset(i, localChunks, local, localSize, hash);
            if (maybeWritten && localOffset >= 0) {
                // not in place (the interrupted run had not got there): the local slot, as uninterrupted
                routes.setInPlaceOrLocal(i, localOffset);
            } else if (maybeWritten || unchanged) {
                routes.set(i, ChunkRoutes.Route.IN_PLACE);
            } else if (localOffset >= 0) {
                routes.setLocal(i, localOffset);
            } else {
                routes.set(i, ChunkRoutes.Route.DOWNLOAD);
            }
        }
        return routes;
    }

    /** Where the local source slot holds chunk {@code i} (a byte offset), or -1. */
    private long localOffset(long i, LongLongMap localChunks, SavedTables.SavedChunks local, long localSize,
                             byte[] hash) {
        index.hash(i, hash, 0);
        long j = localChunks.get(java.nio.ByteBuffer.wrap(hash).getLong(), -1);
        if (j >= 0 && local.hashEquals(j, index, i)) {
            long offset = j * local.chunkSize();
            if (offset + image.chunkLength(i) <= localSize) {
                return offset;
            }
        }
        return -1;
    }

    private static int chunkLength(SavedTables.SavedChunks t, long i) {
        return (int) Math.min(t.chunkSize(), t.imageSize() - i * t.chunkSize());
    }

    private static LongLongMap localMap(SavedTables.SavedChunks local) {
        LongLongMap map = new LongLongMap((int) Math.min(Integer.MAX_VALUE / 4, local.count()));
        for (long j = 0; j < local.count(); j++) {
            // Chunks of full length only: a shorter last chunk hashes differently anyway.
            if ((j + 1) * local.chunkSize() <= local.imageSize()) {
                map.putIfAbsent(local.key(j), j);
            }
        }
        return map;
    }
}
