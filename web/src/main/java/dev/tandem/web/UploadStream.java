package dev.tandem.web;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * A request body as the install's bundle stream, with backpressure: the server reads the socket only while
 * fewer than {@code highWater} bytes wait here (the channel runs with auto-read off and asks for more through
 * {@code readMore} once the installer has taken the queue below half of that). Memory therefore stays at about
 * {@code highWater} plus one socket read, whatever the upload's size.
 *
 * <p>The event loop calls {@link #offer}, {@link #end} and {@link #fail}; the install's thread reads. Closing it
 * (cancel, or the installer giving up) releases what is queued and makes further reads and offers fail.
 */
final class UploadStream extends InputStream {

    private final long highWater;
    private final Runnable readMore;
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private long queued;
    private long received;
    private long maxQueued;
    private boolean paused;
    private boolean ended;
    private boolean closed;
    private IOException failure;

    UploadStream(long highWater, Runnable readMore) {
        this.highWater = highWater;
        this.readMore = readMore;
    }

    /**
     * Queues a part of the body (taking over the reference).
     *
     * @return true when the server may read the socket again now; false: wait until {@code readMore} runs
     */
    synchronized boolean offer(ByteBuf buf) {
        if (closed || ended || failure != null) {
            buf.release();
            return true;
        }
        int n = buf.readableBytes();
        if (n > 0) {
            queue.add(buf);
            queued += n;
            received += n;
            maxQueued = Math.max(maxQueued, queued);
            notifyAll();
        } else {
            buf.release();
        }
        paused = queued >= highWater;
        return !paused;
    }

    /** The body is complete. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** The body will not complete (the client went away, a timeout): the installer's next read fails. */
    synchronized void fail(String reason) {
        if (failure == null && !ended) {
            failure = new IOException(reason);
        }
        notifyAll();
    }

    /** Body bytes received so far. */
    synchronized long received() {
        return received;
    }

    /** The most bytes that ever waited here (for the memory bound's test). */
    synchronized long maxQueued() {
        return maxQueued;
    }

    /** True while the server waits for the installer before reading the socket again. */
    synchronized boolean paused() {
        return paused;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        boolean wake;
        int n;
        synchronized (this) {
            while (queue.isEmpty() && !ended && failure == null && !closed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for the upload");
                }
            }
            if (closed) {
                throw new IOException("the upload was canceled");
            }
            if (queue.isEmpty()) {
                if (failure != null) {
                    throw failure;
                }
                return -1;
            }
            ByteBuf head = queue.peek();
            n = Math.min(len, head.readableBytes());
            head.readBytes(b, off, n);
            if (!head.isReadable()) {
                queue.poll().release();
            }
            queued -= n;
            wake = paused && queued < highWater / 2;
            if (wake) {
                paused = false;
            }
        }
        if (wake) {
            readMore.run();
        }
        return n;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.forEach(ByteBuf::release);
            queue.clear();
            queued = 0;
            boolean wasPaused = paused;
            paused = false;
            notifyAll();
            if (!wasPaused) {
                return;
            }
        }
        // Let the server drain the rest of the body (and see the connection end) instead of stalling.
        readMore.run();
    }

    synchronized boolean closed() {
        return closed;
    }
}
