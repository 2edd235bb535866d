package dev.tandem.install;

import java.time.Clock;

/**
 * Tuning of an install, with defaults that suit a 2-core device with an SD card.
 *
 * @param workers           verify/decompress threads
 * @param syncIntervalBytes {@code fdatasync} after this many bytes written; the journal advances at each one
 * @param inFlightBytes     chunk buffers in flight between fetch, verify and write
 * @param reuseLocal        look for chunks on the local slots (worth it when the source is remote)
 * @param maxResumes        resumes of one install before it gives up
 * @param clock             time for signatures and expiry
 */
public record InstallSettings(int workers, long syncIntervalBytes, long inFlightBytes, boolean reuseLocal,
                              int maxResumes, Clock clock) {

    public static InstallSettings defaults() {
        return new InstallSettings(Runtime.getRuntime().availableProcessors(), 32L << 20, 16L << 20, true, 32,
                Clock.systemUTC());
    }

    public InstallSettings withReuseLocal(boolean reuse) {
        return new InstallSettings(workers, syncIntervalBytes, inFlightBytes, reuse, maxResumes, clock);
    }

    public InstallSettings withClock(Clock c) {
        return new InstallSettings(workers, syncIntervalBytes, inFlightBytes, reuseLocal, maxResumes, c);
    }

    public InstallSettings withSyncInterval(long bytes) {
        return new InstallSettings(workers, bytes, inFlightBytes, reuseLocal, maxResumes, clock);
    }

    /** Chunks past done-below that an interrupted run may already have written (checked in place on resume). */
    long resumeWindowChunks(int chunkSize) {
        return (syncIntervalBytes + inFlightBytes) / chunkSize + 2;
    }
}
