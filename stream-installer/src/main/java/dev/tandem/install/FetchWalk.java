package dev.tandem.install;

import dev.tandem.bundle.ImageEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The order in which one image's chunks are fetched, on the fetch thread: a walk in chunk order over the routes
 * that decides only what to ask for next. Adjacent zero chunks become one run (at most {@link #MAX_ZERO_RUN_BYTES});
 * downloads are collected into batches, but never run further than {@link #DOWNLOAD_LAG_BYTES} behind the walk;
 * a chunk routed IN_PLACE is checked at once and joins the downloads at its own position when it is not there.
 */
final class FetchWalk {

    /** What the walk asks for; {@link ChunkFetcher} on the pipeline, a recorder in tests. */
    interface Fetch {
        /** Downloads these chunks (ascending) from the bundle. */
        void download(List<Long> chunks) throws IOException;

        /** Zeroes {@code count} chunks from {@code from}, {@code bytes} of image. */
        void zeroRun(long from, int count, long bytes) throws IOException;

        /** Checks chunk {@code i} on the target now; false when it is not there (nothing was handed on). */
        boolean inPlace(long i) throws IOException;

        /** Reads chunk {@code i} from the local slot (LOCAL, ASSEMBLE). */
        void reuse(long i, ChunkRoutes.Route route) throws IOException;
    }

    /** How far (in image bytes) the walk may run ahead of the oldest chunk waiting to be downloaded. */
    static final long DOWNLOAD_LAG_BYTES = 8L * 1024 * 1024;
    /** Adjacent zero chunks become one zero call (BLKZEROOUT, punch hole) of at most this many bytes. */
    static final long MAX_ZERO_RUN_BYTES = 256L * 1024 * 1024;
    /** Downloads handed over at once at most (bounds the list, not the ranges: {@link RangeBatcher} does that). */
    static final int MAX_DOWNLOAD_BATCH = 1024;

    private final ImageEntry image;
    private final ChunkRoutes routes;
    private final PipelineFailure failure;
    private final Fetch fetch;
    private final List<Long> downloads = new ArrayList<>();

    FetchWalk(ImageEntry image, ChunkRoutes routes, PipelineFailure failure, Fetch fetch) {
        this.image = image;
        this.routes = routes;
        this.failure = failure;
        this.fetch = fetch;
    }

    /** Walks every chunk once; returns when all have been asked for. */
    void walk() throws IOException {
        long zeroFrom = -1;
        long zeroBytes = 0;
        long maxLag = Math.max(16, DOWNLOAD_LAG_BYTES / image.chunkSize());
        long count = routes.count();
        for (long i = 0; i < count; i++) {
            failure.check();
            if (!downloads.isEmpty() && i - downloads.get(0) >= maxLag) {
                // Local and zero chunks must not run far ahead of the downloads: done-below (the journal's resume
                // point) cannot pass a chunk still waiting in this batch, and everything written past the next
                // run's in-place window would be fetched again after an interruption.
                flushDownloads();
            }
            ChunkRoutes.Route r = routes.route(i);
            if (zeroFrom >= 0 && (r != ChunkRoutes.Route.ZERO || zeroBytes + image.chunkLength(i) > MAX_ZERO_RUN_BYTES)) {
                fetch.zeroRun(zeroFrom, (int) (i - zeroFrom), zeroBytes);
                zeroFrom = -1;
            }
            switch (r) {
                case DONE -> { }
                case ZERO -> {
                    if (zeroFrom < 0) {
                        zeroFrom = i;
                        zeroBytes = 0;
                    }
                    zeroBytes += image.chunkLength(i);
                }
                case DOWNLOAD -> download(i);
                case IN_PLACE -> {
                    // Checked here, in chunk order: a chunk that is not in place is read from the local slot when
                    // that holds it (as the uninterrupted install would), else joins the downloads at its own
                    // position. Found later by a worker, it would be fetched only at the very end, and done-below
                    // could not pass it until then: a second interruption would lose all the progress of this run
                    // (resume must cost <= 4 MiB per interruption, ARCHITECTURE.md §4).
                    if (!fetch.inPlace(i)) {
                        if (routes.hasLocalFallback(i)) {
                            routes.fallBackToLocal(i);
                            fetch.reuse(i, ChunkRoutes.Route.LOCAL);
                        } else {
                            download(i);
                        }
                    }
                }
                case LOCAL, ASSEMBLE -> fetch.reuse(i, r);
            }
        }
        if (zeroFrom >= 0) {
            fetch.zeroRun(zeroFrom, (int) (count - zeroFrom), zeroBytes);
        }
        flushDownloads();
    }

    private void download(long i) throws IOException {
        downloads.add(i);
        if (downloads.size() >= MAX_DOWNLOAD_BATCH) {
            flushDownloads();
        }
    }

    private void flushDownloads() throws IOException {
        fetch.download(downloads);
        downloads.clear();
    }
}
