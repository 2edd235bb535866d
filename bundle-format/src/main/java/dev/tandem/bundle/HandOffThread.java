package dev.tandem.bundle;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A daemon thread that takes the lists of items handed to it, one list at a time and in the order they were
 * offered, until {@link #finish}. The image hash of {@code bundle create} ({@link StreamDigest}) and of an
 * install (stream-installer's {@code ImageHasher}) each run on one: a second SHA-256 pass over every byte, kept
 * off the thread that reads or writes.
 *
 * @param <T> what is handed over
 */
public final class HandOffThread<T> {

    /** The end mark: its own instance, so that no list a caller offers (an empty one included) can be taken for it. */
    private final List<T> end = new ArrayList<>(0);
    private final LinkedBlockingQueue<List<? extends T>> queue = new LinkedBlockingQueue<>();
    private final Consumer<List<? extends T>> consumer;
    private final Consumer<Throwable> onFailure;
    private final Thread thread;

    /**
     * Starts the thread.
     *
     * @param consumer  takes each list, on the thread
     * @param onFailure told, on the thread, when {@code consumer} threw; the thread then ends
     */
    public HandOffThread(String name, Consumer<List<? extends T>> consumer, Consumer<Throwable> onFailure) {
        this.consumer = consumer;
        this.onFailure = onFailure;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Hands {@code items} over; they are taken after every list offered before. */
    public void offer(List<? extends T> items) {
        queue.add(items);
    }

    /** Whether the thread still runs (it ends after {@link #finish}, {@link #stop} or a failure). */
    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Waits until every list offered has been taken and the thread has ended. */
    public void finish() throws InterruptedException {
        queue.add(end);
        thread.join();
    }

    /** Ends the thread without taking what is left. */
    public void stop() {
        thread.interrupt();
    }

    /**
     * After {@link #stop}: waits at most {@code millis} for the thread to end (it finishes the list it is taking
     * first), so that its owner can tell nothing of it still runs.
     */
    public void awaitEnd(long millis) throws InterruptedException {
        thread.join(millis);
    }

    private void run() {
        try {
            while (true) {
                List<? extends T> items = queue.take();
                if (items == end) {
                    return;
                }
                consumer.accept(items);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            onFailure.accept(e);
        }
    }
}
