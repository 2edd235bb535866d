package dev.tandem.bundle;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

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

    private static final List<Piece> END = List.of();

    private final MessageDigest sha = ChunkHasher.sha256();
    private final LinkedBlockingQueue<List<? extends Piece>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private long hashed;
    private Throwable failure;

    StreamDigest(String name) {
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** The next pieces of the image, in order. Their buffers must not change until {@link #awaitHashed} says so. */
    void offer(List<? extends Piece> pieces) {
        queue.add(pieces);
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
        queue.add(END);
        thread.join();
        synchronized (this) {
            if (failure != null) {
                throw new IllegalStateException("image hash failed", failure);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Stops the thread without a result. */
    void stop() {
        thread.interrupt();
    }

    private void run() {
        try {
            while (true) {
                List<? extends Piece> pieces = queue.take();
                if (pieces == END) {
                    return;
                }
                for (Piece p : pieces) {
                    sha.update(p.bytes(), 0, p.length());
                }
                synchronized (this) {
                    hashed += pieces.size();
                    notifyAll();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                failure = e;
                notifyAll();
            }
        }
    }
}
