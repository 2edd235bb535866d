package dev.tandem.install;

import java.io.IOException;
import java.util.BitSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Which chunks of one image are written, and when the journal may say so. Called by the writer thread; the syncs
 * themselves run on a thread of their own ({@code install-sync}).
 *
 * <p>The writer marks chunks done in any order; the journal's resume point, done-below, is the contiguous done
 * prefix as it was when a sync started, and is written only after that sync returned: a {@code fdatasync} makes
 * durable what was written before it started, so done-below never points past unsynced data. Waiting for each
 * sync stalled the whole pipeline (the buffer pool fills in milliseconds): 1.0 s of every 1 GiB install on the
 * benchmark machine, more on flash. So a sync starts every half sync interval while the writer goes on, and the
 * writer waits for the previous one only when the next is due: at most one sync interval (plus a job) is ever
 * written past the journal's done-below, the window a resume checks in place.
 */
final class SyncScheduler {

    /** Makes what was written so far durable ({@code fdatasync} of the target). */
    interface Durable {
        void sync() throws IOException;
    }

    /** Called after each sync with the new done-below; the journal is written there. */
    interface DoneBelowListener {
        void synced(long doneBelow) throws IOException;
    }

    private final Durable target;
    private final DoneBelowListener journal;
    private final long syncEvery;
    private final BitSet done = new BitSet();
    private final ExecutorService syncer;
    private Future<?> pending;
    /** Done-below last written to the journal; only the sync thread touches it. */
    private long journaled;
    /** Where the next scan of {@link #done} starts: done-below as of the last sync started. */
    private long doneBelow;
    private long sinceSync;

    /**
     * @param doneBelow    chunks below this were done before (a resume)
     * @param syncInterval bytes written (or confirmed in place) between the journal's resume points
     */
    SyncScheduler(long doneBelow, long syncInterval, Durable target, DoneBelowListener journal) {
        this(doneBelow, syncInterval, target, journal, Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "install-sync");
            t.setDaemon(true);
            return t;
        }));
    }

    /** With the thread the syncs run on: its own single thread, except in tests. */
    SyncScheduler(long doneBelow, long syncInterval, Durable target, DoneBelowListener journal,
                  ExecutorService syncer) {
        this.syncer = syncer;
        this.target = target;
        this.journal = journal;
        this.syncEvery = Math.max(1, syncInterval / 2);
        this.doneBelow = doneBelow;
        this.journaled = doneBelow;
        this.done.set(0, Math.toIntExact(doneBelow));
    }

    /**
     * Chunks {@code [from, from + count)} are written (or confirmed in place), {@code bytes} of image. Confirmed
     * chunks count towards the next sync too: done-below must keep up with them, or a run that confirms a window
     * and dies before writing a sync interval leaves chunks past the next run's in-place window, fetched again.
     */
    void done(long from, int count, long bytes) throws IOException {
        done.set((int) from, (int) (from + count));
        sinceSync += bytes;
        if (sinceSync >= syncEvery) {
            startSync();
        }
    }

    /** Starts a sync of everything written so far, after the previous one has ended. */
    private void startSync() throws IOException {
        awaitSync();
        // Every chunk below this was written (or confirmed) before the sync starts: durable when it returns.
        long covered = done.nextClearBit((int) doneBelow);
        doneBelow = covered;
        sinceSync = 0;
        pending = syncer.submit(() -> {
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
        if (pending == null) {
            return;
        }
        try {
            pending.get();
        } catch (ExecutionException e) {
            PipelineFailure.rethrow(e.getCause());
        } catch (InterruptedException e) {
            throw PipelineFailure.interrupted();
        }
        pending = null;
    }

    /**
     * After the last write: waits for the sync under way (the journal writes nothing more from here) and checks
     * that every one of the image's {@code chunks} was written. The final sync is the flow's SYNC step.
     */
    void drain(long chunks, String image) throws IOException {
        awaitSync();
        long all = done.nextClearBit((int) doneBelow);
        if (all != chunks) {
            throw new IllegalStateException("image " + image + ": chunk " + all + " was never written");
        }
        doneBelow = all;
    }

    /**
     * Stops the sync thread (the pipeline ended); a sync under way goes on. A sync submitted but not yet started
     * is cancelled: it would never run, and the writer waiting for it would wait for ever.
     */
    void stop() {
        for (Runnable neverStarted : syncer.shutdownNow()) {
            if (neverStarted instanceof Future<?> sync) {
                sync.cancel(false);
            }
        }
    }

    /** After {@link #stop}: a sync still running may still write the journal; wait for it. */
    void awaitStopped() throws InterruptedException {
        syncer.awaitTermination(10, TimeUnit.SECONDS);
    }
}
