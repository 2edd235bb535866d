package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.ChunkDecoder;
import dev.tandem.bundle.ChunkGroups;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.bundle.ImageSection;
import dev.tandem.bundle.VerificationException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Moves one image's chunks from their routes to the target: fetch (the calling thread) → verify workers →
 * writer thread, as in ARCHITECTURE.md §4. Memory is a fixed pool of chunk buffers (the bound on bytes in flight);
 * nothing is written before it has been checked against the signed chunk hash.
 *
 * <p>The writer writes positionally, keeps a completion bitmap and, after each {@code fdatasync}, reports the
 * contiguous done prefix ("done-below") so the journal never points past unsynced data. It also hashes the
 * image in order while chunks stream; when chunks arrive too far out of order (a local copy failed its check
 * and was downloaded at the end) it gives up and the caller reads the image back instead.
 */
final class ChunkPipeline {

    /** Called after each sync with the new done-below; the journal is written there. */
    interface DoneBelowListener {
        void synced(long doneBelow) throws IOException;
    }

    /** What the pipeline did for one image. */
    record Outcome(String imageSha256, long written, long reused, long zeroed) {
        /** Null when the image hash could not be computed in stream order and must be read back. */
        boolean needsReadBack() {
            return imageSha256 == null;
        }
    }

    /** How far (in image bytes) the fetch walk may run ahead of the oldest chunk waiting to be downloaded. */
    static final long DOWNLOAD_LAG_BYTES = 8L * 1024 * 1024;
    private static final int MERGE_MAX_RANGES = 64;
    /**
     * Ranges further apart than this go to the source in separate {@link BundleSource#readRanges} calls. An HTTP
     * source fetches the bytes between the ranges of one call when they are closer than its merge gap (256 KiB by
     * default) rather than asking for them as parts of one multi-range request; for the scattered chunks of an
     * adaptive update that would download most of what reuse saved. A separate request costs a few hundred bytes
     * of headers and a round trip, a gap its length: past 4 KiB the request is cheaper in bytes.
     */
    static final long MAX_FETCHED_GAP = 4 * 1024;
    private static final long MERGE_MAX_BYTES = 256L * 1024 * 1024;
    /** Adjacent zero chunks become one zero call (BLKZEROOUT, punch hole) of at most this many bytes. */
    static final long MAX_ZERO_RUN_BYTES = 256L * 1024 * 1024;

    private final ImageSection section;
    private final ChunkIndex index;
    private final ImageEntry image;
    private final ChunkRoutes routes;
    private final BlockTarget target;
    private final BlockTarget local;
    private final SavedTables.Builder tables;
    private final ProgressTracker progress;
    private final DoneBelowListener journal;
    private final int workers;
    private final long syncInterval;
    private final int poolSize;
    private final int groupSize;

    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Long> fallbacks = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<Job> free;
    /** Verified jobs, a group at a time: one hand-over (and at most one thread wake-up) per group, not per chunk. */
    private final BlockingQueue<List<Job>> toWriter = new LinkedBlockingQueue<>();
    private final Object settled = new Object();
    private long submitted;
    private long finished;
    /** Set before any worker starts. */
    private Writer writer;

    ChunkPipeline(ImageSection section, ChunkRoutes routes, BlockTarget target, BlockTarget local,
                  SavedTables.Builder tables, ProgressTracker progress, DoneBelowListener journal, int workers,
                  long syncInterval, long inFlightBytes) {
        this.section = section;
        this.index = section.index();
        this.image = section.image();
        this.routes = routes;
        this.target = target;
        this.local = local;
        this.tables = tables;
        this.progress = progress;
        this.journal = journal;
        this.workers = Math.max(1, workers);
        this.syncInterval = syncInterval;
        this.poolSize = (int) Math.max(this.workers * 2L + 2, Math.min(512, inFlightBytes / (2L * image.chunkSize())));
        this.free = new ArrayBlockingQueue<>(poolSize);
        // Chunks go from stage to stage in groups (ChunkGroups says why).
        this.groupSize = ChunkGroups.size(image.chunkSize(), poolSize, this.workers);
    }

    /** One chunk on its way: buffers are pooled and reused. */
    private static final class Job implements ImageHasher.Piece {
        /** Stored bytes as fetched; swapped with {@link #data} for a raw chunk (no copy). */
        byte[] stored;
        byte[] data;
        final byte[] blockHashes;
        long index;
        /** Chunks in this job: more than one only for a run of zero chunks. */
        int count = 1;
        ChunkRoutes.Route route;
        int storedLength;
        /** Bytes of image this job covers. */
        int length;
        boolean verified;
        boolean poison;

        @Override
        public long firstChunk() {
            return index;
        }

        @Override
        public int chunks() {
            return count;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public byte[] bytes() {
            return route == ChunkRoutes.Route.ZERO ? null : data;
        }

        Job(int chunkSize) {
            stored = new byte[chunkSize];
            data = new byte[chunkSize];
            blockHashes = new byte[(chunkSize / ImageEntry.BLOCK_SIZE) * ChunkHasher.HASH_SIZE];
        }
    }

    Outcome run(BundleSource source, long doneBelow) throws IOException {
        for (int k = 0; k < poolSize; k++) {
            free.add(new Job(image.chunkSize()));
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService verifiers = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "install-verify-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<ChunkDecoder> decoders = ThreadLocal.withInitial(ChunkDecoder::new);
        List<ChunkDecoder> allDecoders = java.util.Collections.synchronizedList(new ArrayList<>());
        writer = new Writer(doneBelow);
        Thread writerThread = new Thread(writer, "install-write");
        writerThread.setDaemon(true);
        writerThread.start();
        try {
            Fetcher fetcher = new Fetcher(source, verifiers, () -> {
                ChunkDecoder d = decoders.get();
                if (!allDecoders.contains(d)) {
                    allDecoders.add(d);
                }
                return d;
            });
            List<Long> downloads = new ArrayList<>();
            long zeroFrom = -1;
            long zeroBytes = 0;
            long maxLag = Math.max(16, DOWNLOAD_LAG_BYTES / image.chunkSize());
            for (long i = 0; i < index.count(); i++) {
                checkFailure();
                if (!downloads.isEmpty() && i - downloads.get(0) >= maxLag) {
                    // Local and zero chunks must not run far ahead of the downloads: done-below (the journal's
                    // resume point) cannot pass a chunk still waiting in this batch, and everything written past
                    // the next run's in-place window would be fetched again after an interruption.
                    fetcher.download(downloads);
                    downloads.clear();
                }
                ChunkRoutes.Route r = routes.route(i);
                if (zeroFrom >= 0 && (r != ChunkRoutes.Route.ZERO || zeroBytes + image.chunkLength(i) > MAX_ZERO_RUN_BYTES)) {
                    fetcher.zeroRun(zeroFrom, (int) (i - zeroFrom), zeroBytes);
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
                    case DOWNLOAD -> {
                        downloads.add(i);
                        if (downloads.size() >= 1024) {
                            fetcher.download(downloads);
                            downloads.clear();
                        }
                    }
                    case IN_PLACE -> {
                        // Checked here, in chunk order: a chunk that is not in place joins the downloads at its
                        // own position. Found later by a worker, it would be fetched only at the very end, and
                        // done-below could not pass it until then: a second interruption would lose all the
                        // progress of this run (resume must cost <= 4 MiB per interruption, ARCHITECTURE.md §4).
                        if (!fetcher.inPlace(i)) {
                            downloads.add(i);
                            if (downloads.size() >= 1024) {
                                fetcher.download(downloads);
                                downloads.clear();
                            }
                        }
                    }
                    default -> fetcher.submit(i, r);
                }
            }
            if (zeroFrom >= 0) {
                fetcher.zeroRun(zeroFrom, (int) (index.count() - zeroFrom), zeroBytes);
            }
            fetcher.download(downloads);
            // Chunks whose local copy failed its check come back here once every job has settled.
            awaitSettled(fetcher);
            List<Long> retry = new ArrayList<>();
            for (Long i; (i = fallbacks.poll()) != null; ) {
                retry.add(i);
            }
            if (!retry.isEmpty()) {
                retry.sort(null);
                writer.abandonStreamHash();
                progress.note(image.name() + ": " + retry.size() + " chunk(s) not found locally as planned, downloading");
                fetcher.download(retry);
                awaitSettled(fetcher);
            }
            checkFailure();
            toWriter.add(List.of(poison()));
            writerThread.join();
            checkFailure();
            return writer.outcome();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("install interrupted");
        } finally {
            failure.compareAndSet(null, new IllegalStateException("pipeline stopped"));
            verifiers.shutdownNow();
            writerThread.interrupt();
            writer.stop();
            try {
                writerThread.join(10_000);
                verifiers.awaitTermination(10, TimeUnit.SECONDS);
                writer.awaitStopped();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            allDecoders.forEach(ChunkDecoder::close);
        }
    }

    private Job poison() {
        Job p = new Job(ImageEntry.BLOCK_SIZE * 4);
        p.poison = true;
        return p;
    }

    private void checkFailure() throws IOException {
        Throwable t = failure.get();
        if (t != null && !(t instanceof IllegalStateException && "pipeline stopped".equals(t.getMessage()))) {
            rethrow(t);
        }
    }

    static void rethrow(Throwable t) throws IOException {
        if (t instanceof IOException io) {
            throw io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IOException(t);
    }

    private void fail(Throwable t) {
        failure.compareAndSet(null, t);
        synchronized (settled) {
            settled.notifyAll();
        }
    }

    /** A pooled job may come back from a zero run: every use starts as one unverified chunk. */
    private static Job fresh(Job j) {
        j.count = 1;
        j.verified = false;
        return j;
    }

    private void jobSubmitted() {
        synchronized (settled) {
            submitted++;
        }
    }

    private void jobFinished() {
        synchronized (settled) {
            finished++;
            settled.notifyAll();
        }
    }

    private void awaitSettled(Fetcher fetcher) throws IOException, InterruptedException {
        fetcher.dispatch();
        synchronized (settled) {
            while (finished < submitted && failure.get() == null) {
                settled.wait(100);
            }
        }
        checkFailure();
    }

    /** The fetch stage, on the calling thread. */
    private final class Fetcher {
        private final BundleSource source;
        private final ExecutorService verifiers;
        private final java.util.function.Supplier<ChunkDecoder> decoder;
        /** Jobs for the verify workers, handed over {@link #groupSize} at a time. */
        private List<Job> group = new ArrayList<>();
        /** Chunks that have been given a buffer (they are on their way to the writer, or were written). */
        private final BitSet given = new BitSet();

        boolean given(long i) {
            return given.get((int) i);
        }

        /** A free job for the next chunk; waits for one to come back from the writer or the image hash. */
        private Job take() throws IOException {
            Job ready = free.poll();
            if (ready != null) {
                return fresh(ready);
            }
            // Jobs held back for a group must move before this thread waits: the buffers it waits for may be held by
            // the image hash, which waits for one of those jobs.
            dispatch();
            while (true) {
                checkFailure();
                // The hash may hold the buffers while it waits for a chunk that has no buffer yet: it never comes.
                long needed = writer.hashWaitsFor();
                if (needed >= 0 && !given(needed)) {
                    writer.abandonStreamHash();
                }
                try {
                    Job j = free.poll(100, TimeUnit.MILLISECONDS);
                    if (j != null) {
                        return fresh(j);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("install interrupted");
                }
            }
        }

        Fetcher(BundleSource source, ExecutorService verifiers, java.util.function.Supplier<ChunkDecoder> decoder) {
            this.source = source;
            this.verifiers = verifiers;
            this.decoder = decoder;
        }

        /** A chunk that needs no bundle bytes: in place, local or assembled from local blocks. */
        void submit(long i, ChunkRoutes.Route route) throws IOException {
            Job j = take();
            given.set((int) i);
            j.index = i;
            j.route = route;
            j.length = image.chunkLength(i);
            toVerify(j);
        }

        private void toVerify(Job j) {
            jobSubmitted();
            group.add(j);
            if (group.size() >= groupSize) {
                dispatch();
            }
        }

        /** Hands the jobs collected so far to a verify worker. */
        void dispatch() {
            if (group.isEmpty()) {
                return;
            }
            List<Job> g = group;
            group = new ArrayList<>(groupSize);
            verifiers.execute(() -> verifyAll(g, decoder.get()));
        }

        /** Adjacent zero chunks: one job, one zero call. */
        void zeroRun(long from, int count, long bytes) throws IOException {
            Job j = take();
            given.set((int) from, (int) from + count);
            j.index = from;
            j.count = count;
            j.route = ChunkRoutes.Route.ZERO;
            j.length = (int) bytes;
            jobSubmitted();
            toWriter.add(List.of(j));
        }

        /**
         * Checks chunk {@code i} on the target, on this thread. In place: it goes to the writer (which records
         * its tables and writes nothing) and true is returned; else false, and nothing is submitted.
         */
        boolean inPlace(long i) throws IOException {
            Job j = take();
            j.index = i;
            j.route = ChunkRoutes.Route.IN_PLACE;
            j.length = image.chunkLength(i);
            try {
                readFully(target, j.data, j.length, image.chunkOffset(i));
                decoder.get().verify(index, i, j.data, j.length, j.blockHashes);
            } catch (VerificationException e) {
                free.add(j);
                return false;
            }
            j.verified = true;
            given.set((int) i);
            jobSubmitted();
            toWriter.add(List.of(j));
            return true;
        }

        /** Fetches stored chunks from the bundle, merging adjacent ones into few large ranges. */
        void download(List<Long> chunks) throws IOException {
            int from = 0;
            while (from < chunks.size()) {
                List<BundleSource.ByteRange> ranges = new ArrayList<>();
                int to = from;
                long bytes = 0;
                long rangeStart = -1;
                long rangeEnd = -1;
                while (to < chunks.size()) {
                    long i = chunks.get(to);
                    long at = section.storedChunkOffset(i);
                    int len = index.storedLength(i);
                    if (rangeStart >= 0 && at == rangeEnd) {
                        rangeEnd += len;
                    } else {
                        if (ranges.size() + (rangeStart >= 0 ? 1 : 0) >= MERGE_MAX_RANGES
                                || rangeStart >= 0 && at - rangeEnd > MAX_FETCHED_GAP) {
                            break;
                        }
                        if (rangeStart >= 0) {
                            ranges.add(new BundleSource.ByteRange(rangeStart, rangeEnd - rangeStart));
                        }
                        rangeStart = at;
                        rangeEnd = at + len;
                    }
                    bytes += len;
                    to++;
                    if (bytes >= MERGE_MAX_BYTES) {
                        break;
                    }
                }
                if (rangeStart >= 0) {
                    ranges.add(new BundleSource.ByteRange(rangeStart, rangeEnd - rangeStart));
                }
                List<Long> batch = chunks.subList(from, to);
                fetchBatch(ranges, batch);
                from = to;
            }
        }

        private void fetchBatch(List<BundleSource.ByteRange> ranges, List<Long> batch) throws IOException {
            int[] next = {0};
            Job[] current = {null};
            long[] filled = {0};
            source.readRanges(ranges, (offset, buf, off, len) -> {
                int pos = off;
                int left = len;
                while (left > 0) {
                    if (current[0] == null) {
                        long i = batch.get(next[0]++);
                        Job j = take();
                        given.set((int) i);
                        j.index = i;
                        j.route = ChunkRoutes.Route.DOWNLOAD;
                        j.length = image.chunkLength(i);
                        j.storedLength = index.storedLength(i);
                        current[0] = j;
                        filled[0] = 0;
                    }
                    Job j = current[0];
                    int n = (int) Math.min(left, j.storedLength - filled[0]);
                    System.arraycopy(buf, pos, j.stored, (int) filled[0], n);
                    filled[0] += n;
                    pos += n;
                    left -= n;
                    if (filled[0] == j.storedLength) {
                        current[0] = null;
                        toVerify(j);
                    }
                }
            });
            dispatch();
            if (current[0] != null || next[0] != batch.size()) {
                throw new IOException(source.name() + ": ranges ended before all chunks arrived");
            }
        }
    }

    /** The verify stage for a group: what passes goes to the writer in one hand-over. */
    private void verifyAll(List<Job> group, ChunkDecoder decoder) {
        List<Job> verified = new ArrayList<>(group.size());
        for (Job j : group) {
            if (verify(j, decoder)) {
                verified.add(j);
            }
        }
        if (!verified.isEmpty()) {
            toWriter.add(verified);
        }
    }

    /** Verifies one job: never lets an unverified chunk reach the writer. True when it goes on to the writer. */
    private boolean verify(Job j, ChunkDecoder decoder) {
        if (failure.get() != null) {
            return false;
        }
        try {
            switch (j.route) {
                case DOWNLOAD -> {
                    if (index.kind(j.index) == dev.tandem.bundle.ChunkKind.RAW && j.storedLength == j.length) {
                        // A raw chunk is its own data: verify the fetched bytes where they are (saves a copy of
                        // every incompressible byte).
                        decoder.verify(index, j.index, j.stored, j.length, j.blockHashes);
                        byte[] d = j.data;
                        j.data = j.stored;
                        j.stored = d;
                    } else {
                        decoder.decode(index, j.index, j.stored, 0, j.storedLength, j.data, j.blockHashes);
                    }
                }
                case IN_PLACE -> {
                    readFully(target, j.data, j.length, image.chunkOffset(j.index));
                    decoder.verify(index, j.index, j.data, j.length, j.blockHashes);
                }
                case LOCAL -> {
                    readFully(local, j.data, j.length, routes.localOffset(j.index));
                    decoder.verify(index, j.index, j.data, j.length, j.blockHashes);
                }
                case ASSEMBLE -> {
                    assemble(j);
                    decoder.verify(index, j.index, j.data, j.length, j.blockHashes);
                }
                default -> throw new IllegalStateException("no verification for route " + j.route);
            }
            j.verified = true;
            return true;
        } catch (VerificationException e) {
            if (j.route == ChunkRoutes.Route.DOWNLOAD) {
                fail(e);
            } else {
                // A stale table or changed local data: costs a download, never a wrong byte. The download comes
                // after every other chunk, too late for the in-order image hash: give it up now, before the chunks
                // that wait for this one fill the buffer pool.
                writer.abandonStreamHash();
                fallbacks.add(j.index);
                free.add(j);
                jobFinished();
            }
        } catch (Throwable t) {
            fail(t);
        }
        return false;
    }

    private static void readFully(BlockTarget t, byte[] buf, int len, long offset) throws IOException {
        readFully(t, buf, 0, len, offset);
    }

    private static void readFully(BlockTarget t, byte[] buf, int at, int len, long offset) throws IOException {
        if (t.read(ByteBuffer.wrap(buf, at, len), offset) < len) {
            throw new VerificationException(VerificationException.Kind.CHUNK, "local data ends early");
        }
    }

    /**
     * Reads a chunk's blocks from wherever the hints said they are on the local slot; runs of consecutive
     * blocks are read in one call. Unverified until the caller checks the chunk hash.
     */
    private void assemble(Job j) throws IOException {
        int blocks = ChunkHasher.blockCount(j.length);
        int b = 0;
        while (b < blocks) {
            int first = routes.localBlock(j.index, b);
            int run = 1;
            if (first == ChunkRoutes.ZERO_BLOCK) {
                while (b + run < blocks && routes.localBlock(j.index, b + run) == ChunkRoutes.ZERO_BLOCK) {
                    run++;
                }
                java.util.Arrays.fill(j.data, b * ImageEntry.BLOCK_SIZE, (b + run) * ImageEntry.BLOCK_SIZE, (byte) 0);
            } else {
                while (b + run < blocks && routes.localBlock(j.index, b + run) == first + run) {
                    run++;
                }
                readFully(local, j.data, b * ImageEntry.BLOCK_SIZE, run * ImageEntry.BLOCK_SIZE,
                        (long) first * ImageEntry.BLOCK_SIZE);
            }
            b += run;
        }
    }

    /**
     * The write stage, on its own thread.
     *
     * <p>Syncs run on a thread of their own while the writer goes on: a {@code fdatasync} makes durable what was
     * written before it started, so the done-below it reports is the one the writer saw when it asked for it.
     * Waiting for each sync stalled the whole pipeline (the buffer pool fills in milliseconds): 1.0 s of every
     * 1 GiB install on the benchmark machine, more on flash. A sync starts every half sync interval, and the writer
     * waits for the previous one only when the next is due; so at most one sync interval (plus a job) is ever
     * written past the journal's done-below, the window a resume checks in place.
     */
    private final class Writer implements Runnable {
        private final BitSet done = new BitSet();
        private final ImageHasher hasher;
        private final ExecutorService syncer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "install-sync");
            t.setDaemon(true);
            return t;
        });
        private java.util.concurrent.Future<?> pendingSync;
        /** Done-below last written to the journal; only the sync thread touches it until {@link #finish}. */
        private long journaled;
        /** Where the writer's next scan of {@link #done} starts. */
        private long doneBelow;
        private long sinceSync;
        private long written;
        private long reused;
        private long zeroed;

        Writer(long doneBelow) {
            this.doneBelow = doneBelow;
            this.journaled = doneBelow;
            this.done.set(0, (int) doneBelow);
            // Chunks done before a resume were not hashed in this process: read the image back instead.
            this.hasher = new ImageHasher(index.count(), image.chunkSize(), doneBelow == 0,
                    p -> free.add((Job) p));
        }

        void abandonStreamHash() {
            hasher.abandon();
        }

        long hashWaitsFor() {
            return hasher.waitsFor();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    List<Job> jobs = toWriter.poll(100, TimeUnit.MILLISECONDS);
                    if (jobs == null) {
                        if (failure.get() != null) {
                            return;
                        }
                        continue;
                    }
                    if (jobs.get(0).poison) {
                        finish();
                        return;
                    }
                    for (Job j : jobs) {
                        write(j);
                    }
                    hasher.offer(jobs);
                }
            } catch (Throwable t) {
                fail(t);
            }
        }

        private void write(Job j) throws IOException {
            long offset = image.chunkOffset(j.index);
            switch (j.route) {
                case ZERO -> {
                    target.zero(offset, j.length);
                    for (long c = j.index; c < j.index + j.count; c++) {
                        tables.zeroChunk(c, image.chunkLength(c));
                    }
                    zeroed += j.length;
                    sinceSync += j.length;
                }
                case IN_PLACE -> {
                    recordTables(j);
                    reused += j.length;
                    // Confirmed chunks count towards the next sync too: done-below must keep up with them, or a
                    // run that confirms a window and dies before writing a sync interval leaves chunks past the
                    // next run's in-place window, fetched again.
                    sinceSync += j.length;
                }
                case DOWNLOAD, LOCAL, ASSEMBLE -> {
                    if (!j.verified) {
                        throw new IllegalStateException("unverified chunk " + j.index + " reached the writer");
                    }
                    target.write(ByteBuffer.wrap(j.data, 0, j.length), offset);
                    recordTables(j);
                    written += j.length;
                    sinceSync += j.length;
                    if (j.route == ChunkRoutes.Route.LOCAL || j.route == ChunkRoutes.Route.ASSEMBLE) {
                        reused += j.length;
                    }
                }
                default -> throw new IllegalStateException("cannot write route " + j.route);
            }
            done.set((int) j.index, (int) (j.index + j.count));
            for (long c = j.index; c < j.index + j.count; c++) {
                progress.chunkDone(image.chunkLength(c), j.route);
            }
            // Settled once written: the in-order hash may hold the buffer longer, waiting for an earlier chunk
            // that is downloaded only after every job has settled (a local copy that failed its check).
            jobFinished();
            if (sinceSync >= Math.max(1, syncInterval / 2)) {
                startSync();
            }
        }

        private final byte[] chunkHash = new byte[ChunkHasher.HASH_SIZE];

        private void recordTables(Job j) throws IOException {
            index.hash(j.index, chunkHash, 0);
            tables.chunk(j.index, chunkHash, j.blockHashes, j.length);
        }

        /** Starts a sync of everything written so far, after the previous one has ended. */
        private void startSync() throws IOException {
            awaitSync();
            // Every chunk below this was written (or confirmed) before the sync starts: durable when it returns.
            long covered = done.nextClearBit((int) doneBelow);
            doneBelow = covered;
            sinceSync = 0;
            pendingSync = syncer.submit(() -> {
                // fsync before advancing the journal: done-below must never point past unsynced data.
                target.sync();
                if (covered > journaled) {
                    journaled = covered;
                    journal.synced(covered);
                }
                return null;
            });
        }

        private void awaitSync() throws IOException {
            if (pendingSync == null) {
                return;
            }
            try {
                pendingSync.get();
            } catch (java.util.concurrent.ExecutionException e) {
                rethrow(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("install interrupted");
            }
            pendingSync = null;
        }

        private void finish() throws IOException {
            progress.phase(InstallPhase.SYNC, image.name());
            awaitSync();
            target.sync();
            long newDoneBelow = done.nextClearBit((int) doneBelow);
            if (newDoneBelow != index.count()) {
                throw new IllegalStateException("image " + image.name() + ": chunk " + newDoneBelow
                        + " was never written");
            }
            doneBelow = newDoneBelow;
            journal.synced(doneBelow);
        }

        Outcome outcome() throws InterruptedException {
            return new Outcome(hasher.finish(), written, reused, zeroed);
        }

        void stop() {
            hasher.stop();
            syncer.shutdownNow();
        }

        /** After {@link #stop}: a sync still running may still write the journal; wait for it. */
        void awaitStopped() throws InterruptedException {
            syncer.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
