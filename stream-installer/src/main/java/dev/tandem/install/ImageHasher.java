package dev.tandem.install;

import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.HandOffThread;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The whole-image SHA-256, computed in image order on its own thread while chunks are written in any order.
 *
 * <p>It has its own thread because it is a second SHA-256 pass over every byte: on the writer thread it made
 * every write wait for it, and on a 2-core device the verify workers, the writer and this hash each need most
 * of a core at full speed. Written chunks wait here, in their pooled buffers, until every earlier chunk has been
 * hashed. A missing chunk that a verify worker holds will come, however long a busy machine keeps that worker off
 * the CPU, so the hash is never given up for that. It is given up ({@link #abandon}) for a chunk that will not come
 * in time: a local copy that failed its check (downloaded after all others), or a chunk the pipeline has not yet
 * fetched when the buffer pool runs dry ({@link #waitsFor}, asked by {@link PipelineHandoffs#take}, where that
 * cycle is described; an adaptive install fetches downloads in batches, after local chunks further on). The buffers then go back to the pool and the caller reads the image back instead.
 * (Giving up whenever many chunks waited made a loaded 2-core machine read back most 1 GiB installs: a third and
 * fourth SHA-256 pass over the image.)
 */
final class ImageHasher {

    /** A written range of the image: one chunk, or a run of zero chunks ({@code bytes} null). */
    interface Piece {
        long firstChunk();

        int chunks();

        int length();

        /** The bytes, or null for zeros. */
        byte[] bytes();
    }

    private final long chunkCount;
    private final Consumer<Piece> release;
    private final byte[] zeros;
    private final MessageDigest sha = ChunkHasher.sha256();
    private final TreeMap<Long, Piece> waiting = new TreeMap<>();
    private final HandOffThread<Piece> thread;
    private long next;
    private boolean streaming;

    /**
     * @param streaming false when the hash cannot be made in stream order from the start (a resumed install)
     * @param release   gives a piece's buffer back; called on this hasher's thread or the caller's
     */
    ImageHasher(long chunkCount, int chunkSize, boolean streaming, Consumer<Piece> release) {
        this.chunkCount = chunkCount;
        this.release = release;
        this.streaming = streaming;
        this.zeros = new byte[chunkSize];
        // A failure here (a bug) leaves the hash incomplete: finish() then says null and the image is read back.
        this.thread = new HandOffThread<Piece>("install-hash", pieces -> pieces.forEach(this::take), e -> { });
    }

    /** Hands over written pieces; their buffers come back through {@code release}. */
    void offer(List<? extends Piece> pieces) {
        thread.offer(pieces);
    }

    /** The chunk the hash waits for while it holds later ones, or -1 when it holds none (or gave up). */
    synchronized long waitsFor() {
        return streaming && !waiting.isEmpty() ? next : -1;
    }

    /** Gives up the in-order hash (the caller will read the image back) and releases what waits. */
    synchronized void abandon() {
        streaming = false;
        waiting.values().forEach(release);
        waiting.clear();
    }

    /** After the last piece: waits for the hash; null when it was abandoned or incomplete. */
    String finish() throws InterruptedException {
        thread.finish();
        synchronized (this) {
            return streaming && next == chunkCount ? HexFormat.of().formatHex(sha.digest()) : null;
        }
    }

    /** Stops the thread without a result (the install failed). */
    void stop() {
        thread.stop();
    }

    /** After {@link #stop}: waits (at most 10 s) until the thread has ended. */
    void awaitStopped() throws InterruptedException {
        thread.awaitEnd(10_000);
    }

    private synchronized void take(Piece p) {
        if (!streaming) {
            release.accept(p);
            return;
        }
        waiting.put(p.firstChunk(), p);
        while (true) {
            Piece n = waiting.remove(next);
            if (n == null) {
                break;
            }
            if (n.bytes() == null) {
                for (long left = n.length(); left > 0; left -= zeros.length) {
                    sha.update(zeros, 0, (int) Math.min(zeros.length, left));
                }
            } else {
                sha.update(n.bytes(), 0, n.length());
            }
            next += n.chunks();
            release.accept(n);
        }
    }
}
