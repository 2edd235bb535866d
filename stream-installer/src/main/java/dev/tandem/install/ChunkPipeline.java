package dev.tandem.install;

import dev.tandem.boot.storage.BlockTarget;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.ChunkDecoder;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.bundle.ImageSection;
import dev.tandem.bundle.VerificationException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
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
 * writer thread, as in DESIGN §4. Memory is a fixed pool of chunk buffers (the bound on bytes in flight);
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

    private static final int MERGE_MAX_RANGES = 64;
    private static final long MERGE_MAX_BYTES = 256L * 1024 * 1024;

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

    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Long> fallbacks = new ConcurrentLinkedQueue<>();
    private final BlockingQueue<Job> free;
    private final BlockingQueue<Job> toWriter = new LinkedBlockingQueue<>();
    private final Object settled = new Object();
    private long submitted;
    private long finished;

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
    }

    /** One chunk on its way: buffers are pooled and reused. */
    private static final class Job {
        final byte[] stored;
        final byte[] data;
        final byte[] blockHashes;
        long index;
        ChunkRoutes.Route route;
        int storedLength;
        int length;
        boolean verified;
        boolean poison;

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
        Writer writer = new Writer(doneBelow);
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
            for (long i = 0; i < index.count(); i++) {
                checkFailure();
                ChunkRoutes.Route r = routes.route(i);
                switch (r) {
                    case DONE -> { }
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
                        // progress of this run (resume must cost <= 4 MiB per interruption, DESIGN §4).
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
            fetcher.download(downloads);
            // Chunks whose local copy failed its check come back here once every job has settled.
            awaitSettled();
            List<Long> retry = new ArrayList<>();
            for (Long i; (i = fallbacks.poll()) != null; ) {
                retry.add(i);
            }
            if (!retry.isEmpty()) {
                retry.sort(null);
                writer.abandonStreamHash();
                progress.note(image.name() + ": " + retry.size() + " chunk(s) not found locally as planned, downloading");
                fetcher.download(retry);
                awaitSettled();
            }
            checkFailure();
            toWriter.add(poison());
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
            try {
                writerThread.join(10_000);
                verifiers.awaitTermination(10, TimeUnit.SECONDS);
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

    private Job take() throws IOException {
        while (true) {
            checkFailure();
            try {
                Job j = free.poll(100, TimeUnit.MILLISECONDS);
                if (j != null) {
                    return j;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("install interrupted");
            }
        }
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

    private void awaitSettled() throws IOException, InterruptedException {
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

        Fetcher(BundleSource source, ExecutorService verifiers, java.util.function.Supplier<ChunkDecoder> decoder) {
            this.source = source;
            this.verifiers = verifiers;
            this.decoder = decoder;
        }

        /** A chunk that needs no bundle bytes: zero, in place or local. */
        void submit(long i, ChunkRoutes.Route route) throws IOException {
            Job j = take();
            j.index = i;
            j.route = route;
            j.length = image.chunkLength(i);
            j.verified = false;
            jobSubmitted();
            if (route == ChunkRoutes.Route.ZERO) {
                toWriter.add(j);
            } else {
                verifiers.execute(() -> verify(j, decoder.get()));
            }
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
            j.verified = false;
            try {
                readFully(target, j.data, j.length, image.chunkOffset(i));
                decoder.get().verify(index, i, j.data, j.length, j.blockHashes);
            } catch (VerificationException e) {
                free.add(j);
                return false;
            }
            j.verified = true;
            jobSubmitted();
            toWriter.add(j);
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
                        if (ranges.size() + (rangeStart >= 0 ? 1 : 0) >= MERGE_MAX_RANGES) {
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
                        j.index = i;
                        j.route = ChunkRoutes.Route.DOWNLOAD;
                        j.length = image.chunkLength(i);
                        j.storedLength = index.storedLength(i);
                        j.verified = false;
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
                        jobSubmitted();
                        verifiers.execute(() -> verify(j, decoder.get()));
                    }
                }
            });
            if (current[0] != null || next[0] != batch.size()) {
                throw new IOException(source.name() + ": ranges ended before all chunks arrived");
            }
        }
    }

    /** The verify stage: never lets an unverified chunk reach the writer. */
    private void verify(Job j, ChunkDecoder decoder) {
        if (failure.get() != null) {
            return;
        }
        try {
            switch (j.route) {
                case DOWNLOAD -> decoder.decode(index, j.index, j.stored, 0, j.storedLength, j.data, j.blockHashes);
                case IN_PLACE -> {
                    readFully(target, j.data, j.length, image.chunkOffset(j.index));
                    decoder.verify(index, j.index, j.data, j.length, j.blockHashes);
                }
                case LOCAL -> {
                    readFully(local, j.data, j.length, routes.localOffset(j.index));
                    decoder.verify(index, j.index, j.data, j.length, j.blockHashes);
                }
                default -> throw new IllegalStateException("no verification for route " + j.route);
            }
            j.verified = true;
            toWriter.add(j);
        } catch (VerificationException e) {
            if (j.route == ChunkRoutes.Route.DOWNLOAD) {
                fail(e);
            } else {
                // A stale table or changed local data: costs a download, never a wrong byte.
                fallbacks.add(j.index);
                free.add(j);
                jobFinished();
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    private static void readFully(BlockTarget t, byte[] buf, int len, long offset) throws IOException {
        if (t.read(ByteBuffer.wrap(buf, 0, len), offset) < len) {
            throw new VerificationException(VerificationException.Kind.CHUNK, "local data ends early");
        }
    }

    /** The write stage, on its own thread. */
    private final class Writer implements Runnable {
        private final BitSet done = new BitSet();
        private final MessageDigest imageSha = ChunkHasher.sha256();
        private final TreeMap<Long, Job> waitingForHash = new TreeMap<>();
        private final int maxWaiting = Math.max(1, poolSize / 2);
        private long doneBelow;
        private long nextToHash;
        private boolean streamHash = true;
        private long sinceSync;
        private long written;
        private long reused;
        private long zeroed;
        private final byte[] zeros;

        Writer(long doneBelow) {
            this.doneBelow = doneBelow;
            this.done.set(0, (int) doneBelow);
            this.nextToHash = 0;
            // Chunks done before a resume were not hashed in this process: read the image back instead.
            this.streamHash = doneBelow == 0;
            this.zeros = new byte[image.chunkSize()];
        }

        synchronized void abandonStreamHash() {
            streamHash = false;
            waitingForHash.values().forEach(this::release);
            waitingForHash.clear();
        }

        @Override
        public void run() {
            try {
                while (true) {
                    Job j = toWriter.poll(100, TimeUnit.MILLISECONDS);
                    if (j == null) {
                        if (failure.get() != null) {
                            return;
                        }
                        continue;
                    }
                    if (j.poison) {
                        finish();
                        return;
                    }
                    write(j);
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
                    tables.zeroChunk(j.index, j.length);
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
                case DOWNLOAD, LOCAL -> {
                    if (!j.verified) {
                        throw new IllegalStateException("unverified chunk " + j.index + " reached the writer");
                    }
                    target.write(ByteBuffer.wrap(j.data, 0, j.length), offset);
                    recordTables(j);
                    written += j.length;
                    sinceSync += j.length;
                    if (j.route == ChunkRoutes.Route.LOCAL) {
                        reused += j.length;
                    }
                }
                default -> throw new IllegalStateException("cannot write route " + j.route);
            }
            done.set((int) j.index);
            progress.chunkDone(j.length, j.route);
            hashInOrder(j);
            if (sinceSync >= syncInterval) {
                sync();
            }
        }

        private final byte[] chunkHash = new byte[ChunkHasher.HASH_SIZE];

        private void recordTables(Job j) throws IOException {
            index.hash(j.index, chunkHash, 0);
            tables.chunk(j.index, chunkHash, j.blockHashes, j.length);
        }

        /** Keeps the image SHA-256 going in image order; the job goes back to the pool once hashed. */
        private void hashInOrder(Job j) {
            synchronized (this) {
                if (!streamHash) {
                    release(j);
                    return;
                }
                waitingForHash.put(j.index, j);
                drainHashable();
                if (waitingForHash.size() > maxWaiting) {
                    // Too far out of order (a chunk is waiting for a later download): stop, read back at the end.
                    streamHash = false;
                    waitingForHash.values().forEach(this::release);
                    waitingForHash.clear();
                }
            }
        }

        private void drainHashable() {
            while (true) {
                Job next = waitingForHash.get(nextToHash);
                if (next == null) {
                    return;
                }
                waitingForHash.remove(nextToHash);
                if (next.route == ChunkRoutes.Route.ZERO) {
                    imageSha.update(zeros, 0, next.length);
                } else {
                    imageSha.update(next.data, 0, next.length);
                }
                nextToHash++;
                release(next);
            }
        }

        private void release(Job j) {
            free.add(j);
            jobFinished();
        }

        private void sync() throws IOException {
            // fsync before advancing the journal: done-below must never point past unsynced data.
            target.sync();
            sinceSync = 0;
            long newDoneBelow = done.nextClearBit((int) doneBelow);
            if (newDoneBelow > doneBelow) {
                doneBelow = newDoneBelow;
                journal.synced(doneBelow);
            }
        }

        private void finish() throws IOException {
            progress.phase(InstallPhase.SYNC, image.name());
            target.sync();
            long newDoneBelow = done.nextClearBit((int) doneBelow);
            if (newDoneBelow != index.count()) {
                throw new IllegalStateException("image " + image.name() + ": chunk " + newDoneBelow
                        + " was never written");
            }
            doneBelow = newDoneBelow;
            journal.synced(doneBelow);
        }

        synchronized Outcome outcome() {
            String sha = streamHash && nextToHash == index.count() ? HexFormat.of().formatHex(imageSha.digest()) : null;
            return new Outcome(sha, written, reused, zeroed);
        }
    }
}
