package dev.tandem.install;

import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ImageEntry;

/**
 * One chunk (or one run of zero chunks) on its way through {@link ChunkPipeline}, in a pooled buffer
 * ({@link JobPool}). A job belongs to one thread at a time; {@link PipelineHandoffs} moves it between them.
 */
final class ChunkJob {
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
    /** Set only by {@link ChunkVerifier}: the writer refuses a job without it. */
    boolean verified;

    ChunkJob(int chunkSize) {
        stored = new byte[chunkSize];
        data = new byte[chunkSize];
        blockHashes = new byte[(chunkSize / ImageEntry.BLOCK_SIZE) * ChunkHasher.HASH_SIZE];
    }

    /** Makes a pooled job (perhaps back from a zero run or a verified chunk) one unverified chunk again. */
    ChunkJob reset() {
        count = 1;
        verified = false;
        return this;
    }

    /** Sets what this job carries: chunk {@code i} of {@code length} image bytes, on {@code route}. */
    ChunkJob of(long i, ChunkRoutes.Route route, int length) {
        this.index = i;
        this.route = route;
        this.length = length;
        return this;
    }
}
