package dev.tandem.bundle;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A daemon thread that takes the lists of items handed to it, one list at a time and in the order they were
 * offered, until {@link #finish}. The image hash of {@code bundle create} ({@link StreamDigest}) runs on one: a
 * second SHA-256 pass over every byte, kept off the thread that reads the image.
 *
 * @param <T> what is handed over
 */
final class HandOffThread<T> {

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
    HandOffThread(String name, Consumer<List<? extends T>> consumer, Consumer<Throwable> onFailure) {
        this.consumer = consumer;
        this.onFailure = onFailure;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Hands {@code items} over; they are taken after every list offered before. */
    void offer(List<? extends T> items) {
        queue.add(items);
    }

    /** Whether the thread still runs (it ends after {@link #finish}, {@link #stop} or a failure). */
    boolean isAlive() {
        return thread.isAlive();
    }

    /** Waits until every list offered has been taken and the thread has ended. */
    void finish() throws InterruptedException {
        queue.add(end);
        thread.join();
    }

    /** Ends the thread without taking what is left. */
    void stop() {
        thread.interrupt();
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
