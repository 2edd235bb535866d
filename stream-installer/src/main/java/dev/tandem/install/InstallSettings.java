package dev.tandem.install;

import java.time.Clock;

/**
 * Tuning of an install, with defaults that suit a 2-core device with an SD card.
 *
 * @param workers           verify/decompress threads
 * @param syncIntervalBytes at most this many bytes are written past the last sync the journal records; the
 *                          pipeline starts a sync (in the background) every half of it
 * @param inFlightBytes     chunk buffers in flight between fetch, verify and write
 * @param reuseLocal        look for chunks on the local slots (worth it when the source is remote)
 * @param maxResumes        resumes of one install before it gives up
 * @param clock             time for signatures and expiry
 */
public record InstallSettings(int workers, long syncIntervalBytes, long inFlightBytes, boolean reuseLocal,
                              int maxResumes, Clock clock) {

    /**
     * 4 MiB in flight: a pool of 32 chunks of 64 KiB keeps two workers busy. What is fetched and not yet written
     * dies with the process and counts against ARCHITECTURE.md §4's 4 MiB re-downloaded per interruption; with 16 MiB that
     * was up to 8 MiB of chunks per kill, and a quarter of a 64 MiB heap.
     *
     * <p>64 MiB may be written past the journal's done-below; the pipeline syncs every 32 MiB without waiting
     * (as often as before, when each sync stopped the pipeline). A resume reads and checks that much of the
     * target in place, which costs no download.
     */
    public static InstallSettings defaults() {
        return new InstallSettings(Runtime.getRuntime().availableProcessors(), 64L << 20, 4L << 20, true, 32,
                Clock.systemUTC());
    }

    public InstallSettings withReuseLocal(boolean reuse) {
        return new InstallSettings(workers, syncIntervalBytes, inFlightBytes, reuse, maxResumes, clock);
    }

    public InstallSettings withClock(Clock c) {
        return new InstallSettings(workers, syncIntervalBytes, inFlightBytes, reuseLocal, maxResumes, c);
    }

    /** Chunks past done-below that an interrupted run may already have written (checked in place on resume). */
    long resumeWindowChunks(int chunkSize) {
        return (syncIntervalBytes + inFlightBytes) / chunkSize + 2;
    }
}
