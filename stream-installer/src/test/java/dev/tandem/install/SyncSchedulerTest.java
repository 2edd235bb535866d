package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class SyncSchedulerTest {

    private static final int LEN = 1000;

    /** A target whose sync makes durable what the test had marked written when the sync ran. */
    private static final class Target implements SyncScheduler.Durable {
        final BitSet written = new BitSet();
        final BitSet durable = new BitSet();
        int syncs;

        synchronized void write(long from, int count) {
            written.set((int) from, (int) (from + count));
        }

        @Override
        public synchronized void sync() {
            durable.or(written);
            syncs++;
        }

        synchronized int durablePrefix() {
            return durable.nextClearBit(0);
        }
    }

    @Test
    void theJournalNeverPointsPastDurableDataWhateverTheOrderOfWrites() throws IOException {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int round = 0; round < 100; round++) {
            int chunks = 1 + rnd.nextInt(300);
            long start = rnd.nextInt(3) == 0 ? rnd.nextInt(chunks) : 0;
            Target target = new Target();
            target.write(0, (int) start);
            target.sync();
            List<Long> journal = Collections.synchronizedList(new ArrayList<>());
            SyncScheduler s = new SyncScheduler(start, (1 + rnd.nextInt(20)) * LEN, target, d -> {
                assertThat(d).as("done-below " + d + " is durable").isLessThanOrEqualTo(target.durablePrefix());
                journal.add(d);
            });
            // Chunks arrive in groups, out of order within a window, as the verify workers deliver them.
            List<Long> order = new ArrayList<>();
            for (long i = start; i < chunks; i++) {
                order.add(i);
            }
            for (int k = 0; k < order.size(); k++) {
                int swap = Math.min(order.size() - 1, k + rnd.nextInt(8));
                Collections.swap(order, k, swap);
            }
            for (long i : order) {
                target.write(i, 1);
                s.done(i, 1, LEN);
            }
            s.drain(chunks, "rootfs");
            end(s);
            assertThat(journal).as("rising, and only past the resume point").isSorted()
                    .allSatisfy(d -> assertThat(d).isGreaterThan(start));
            assertThat(journal.stream().distinct().count()).isEqualTo(journal.size());
        }
    }

    @Test
    void aSyncStartsExactlyAtHalfTheInterval() throws IOException {
        Target target = new Target();
        SyncScheduler s = new SyncScheduler(0, 4L * LEN, target, d -> { });
        target.write(0, 2);
        s.done(0, 1, LEN);
        s.done(1, 1, LEN - 1);
        target.write(2, 1);
        s.done(2, 1, 0);
        s.drain(3, "rootfs");
        assertThat(target.syncs).as("2 * LEN - 1 bytes: no sync yet").isZero();

        SyncScheduler t = new SyncScheduler(0, 4L * LEN, target, d -> { });
        t.done(0, 1, LEN);
        t.done(1, 1, LEN);
        t.drain(2, "rootfs");
        assertThat(target.syncs).as("2 * LEN bytes: one sync").isEqualTo(1);
        end(s);
        end(t);
    }

    @Test
    void aZeroRunMarksAllItsChunksAndConfirmedChunksCountTowardsTheSync() throws IOException {
        Target target = new Target();
        List<Long> journal = new ArrayList<>();
        SyncScheduler s = new SyncScheduler(0, 2L * LEN, target, journal::add);
        target.write(0, 5);
        s.done(0, 5, 5L * LEN);
        s.drain(5, "rootfs");
        assertThat(journal).containsExactly(5L);
        end(s);
    }

    @Test
    void anImageWithAChunkNeverWrittenIsABug() throws IOException {
        SyncScheduler s = new SyncScheduler(2, LEN, new Target(), d -> { });
        s.done(3, 1, LEN);
        assertThatThrownBy(() -> s.drain(4, "rootfs")).isInstanceOf(IllegalStateException.class)
                .hasMessage("image rootfs: chunk 2 was never written");
        end(s);
    }

    @Test
    void aFailedSyncFailsTheNextWrite() throws IOException {
        SyncScheduler s = new SyncScheduler(0, 2, () -> {
            throw new IOException("EIO");
        }, d -> { });
        s.done(0, 1, 1);
        assertThatThrownBy(() -> s.done(1, 1, 1)).isInstanceOf(IOException.class).hasMessage("EIO");
        end(s);
    }

    /**
     * The pipeline ends (stop) while a sync it started has not begun: that sync will never run, and a writer
     * waiting for it would wait for ever. The writer is not interrupted at the end of a pipeline, so stop must
     * cancel it.
     */
    @Test
    void aSyncThatHadNotStartedWhenThePipelineStoppedIsCancelledNotWaitedForForEver() throws Exception {
        ExecutorService syncThread = Executors.newSingleThreadExecutor();
        CountDownLatch never = new CountDownLatch(1);
        // The sync thread is busy, so the scheduler's sync stays queued.
        syncThread.submit(() -> {
            never.await();
            return null;
        });
        SyncScheduler s = new SyncScheduler(0, 2L * LEN, new Target(), d -> { }, syncThread);
        s.done(0, 1, LEN);
        s.stop();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(() -> s.drain(1, "rootfs"))
                .isInstanceOf(CancellationException.class));
    }

    /**
     * Ends a scheduler's sync thread before the next test: tests of the pipeline in the same JVM check that no
     * {@code install-*} thread outlives a run, and an idle sync thread of this class would be one.
     */
    private static void end(SyncScheduler s) throws IOException {
        s.stop();
        try {
            s.awaitStopped();
        } catch (InterruptedException e) {
            throw new java.io.InterruptedIOException();
        }
    }
}
