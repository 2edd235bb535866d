package dev.tandem.bundle;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The whole-image SHA-256 of {@code bundle create}, on a thread of its own: the thread that reads the image hands
 * over each group of chunks as it reads them, in image order, and may reuse a chunk's buffer once {@link #awaitHashed}
 * says the hash is past it.
 *
 * <p>Why a thread: the image hash is a full SHA-256 pass (0.9 s of CPU per GiB on the benchmark machine). On the
 * reading thread it delayed every read behind it, while the compressing workers waited for input.
 */
final class StreamDigest {

    /** Bytes of one chunk's buffer to hash. */
    interface Piece {
        byte[] bytes();

        int length();
    }

    private final MessageDigest sha = ChunkHasher.sha256();
    private final HandOffThread<Piece> thread;
    private long hashed;
    private Throwable failure;

    StreamDigest(String name) {
        this.thread = new HandOffThread<Piece>(name, this::hash, this::failed);
    }

    /** The next pieces of the image, in order. Their buffers must not change until {@link #awaitHashed} says so. */
    void offer(List<? extends Piece> pieces) {
        thread.offer(pieces);
    }

    /** Waits until the first {@code pieces} pieces offered have been hashed. */
    synchronized void awaitHashed(long pieces) throws InterruptedException {
        while (hashed < pieces && failure == null && thread.isAlive()) {
            wait(100);
        }
        if (failure != null) {
            throw new IllegalStateException("image hash failed", failure);
        }
    }

    /** After the last piece: the hash, hex. */
    String finish() throws InterruptedException {
        thread.finish();
        synchronized (this) {
            if (failure != null) {
                throw new IllegalStateException("image hash failed", failure);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Stops the thread without a result. */
    void stop() {
        thread.stop();
    }

    private void hash(List<? extends Piece> pieces) {
        for (Piece p : pieces) {
            sha.update(p.bytes(), 0, p.length());
        }
        synchronized (this) {
            hashed += pieces.size();
            notifyAll();
        }
    }

    private synchronized void failed(Throwable e) {
        failure = e;
        notifyAll();
    }
}
