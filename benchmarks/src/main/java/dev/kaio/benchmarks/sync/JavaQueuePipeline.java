package dev.kaio.benchmarks.sync;

import dev.kaio.java.EventLoop;
import dev.kaio.java.Tasks;
import dev.kaio.java.queue.AsyncQueue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The queue pipeline written against the Java facade, and the ArrayBlockingQueue peer with platform threads. */
final class JavaQueuePipeline {
    private JavaQueuePipeline() {}

    /**
     * 1 producer, 4 consumers through the facade's fifo queue, with taskDone/join; no thread is
     * parked. With {@code spawned}, the producer and the consumers start as Kaio tasks
     * ({@link Tasks#spawn}), as the Kotlin pipeline starts coroutines; otherwise they start where
     * this method runs, and the producer runs there until a put has to wait. In {@code twoWorkers}
     * mode this method runs on the benchmark thread, and the futures complete on Kaio's dispatcher
     * ({@code Dispatchers.Default}); in {@code oneThread} mode it runs as the main task of an
     * {@link EventLoop}, so that everything runs on the loop's one thread.
     */
    static long kaioJava(String mode, int items, int capacity, boolean spawned) throws Exception {
        if (mode.equals(SyncWorkloads.ONE_THREAD)) {
            return EventLoop.run(() -> pipeline(items, capacity, spawned));
        }
        return pipeline(items, capacity, spawned).get(1, TimeUnit.MINUTES);
    }

    private static CompletableFuture<Long> pipeline(int items, int capacity, boolean spawned) {
        AsyncQueue<Integer> queue = AsyncQueue.fifo(capacity);
        AtomicLong sum = new AtomicLong();
        CompletableFuture<?>[] consumers = new CompletableFuture<?>[4];
        for (int c = 0; c < 4; c++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            start(spawned, () -> consume(queue, new long[1], sum, done));
            consumers[c] = done;
        }
        CompletableFuture<Void> produced = new CompletableFuture<>();
        start(spawned, () -> produce(queue, 0, items, produced));
        return produced
                .thenCompose(v -> queue.join())
                .thenCompose(v -> {
                    queue.shutdown();
                    return CompletableFuture.allOf(consumers);
                })
                .thenApply(v -> sum.get());
    }

    private static void start(boolean spawned, Runnable code) {
        if (spawned) {
            Tasks.spawn(() -> {
                code.run();
                return CompletableFuture.completedFuture(null);
            });
        } else {
            code.run();
        }
    }

    private static void produce(AsyncQueue<Integer> queue, int from, int items, CompletableFuture<Void> produced) {
        for (int i = from; i < items; i++) {
            CompletableFuture<Void> put = queue.put(i);
            if (!put.isDone()) {
                int next = i + 1;
                put.thenRun(() -> produce(queue, next, items, produced));
                return;
            }
        }
        produced.complete(null);
    }

    /**
     * Consumes until the queue is shut down, summing into {@code local} (one per consumer, as the
     * Kotlin pipeline's local sum) and adding it to {@code sum} once at the end.
     */
    private static void consume(AsyncQueue<Integer> queue, long[] local, AtomicLong sum, CompletableFuture<Void> done) {
        while (true) {
            CompletableFuture<Integer> get = queue.get();
            if (!get.isDone()) {
                get.whenComplete((item, failure) -> {
                    if (failure != null) {
                        finish(local, sum, done);
                    } else {
                        local[0] += item;
                        queue.taskDone();
                        consume(queue, local, sum, done);
                    }
                });
                return;
            }
            if (get.isCompletedExceptionally()) {
                finish(local, sum, done);
                return;
            }
            local[0] += get.join();
            queue.taskDone();
        }
    }

    private static void finish(long[] local, AtomicLong sum, CompletableFuture<Void> done) {
        sum.addAndGet(local[0]);
        done.complete(null);
    }

    /** The same with an ArrayBlockingQueue and 5 platform threads; -1 is the poison pill. */
    static long arrayBlockingQueue(int items, int capacity) throws Exception {
        ArrayBlockingQueue<Integer> queue = new ArrayBlockingQueue<>(capacity);
        AtomicLong sum = new AtomicLong();
        Thread[] consumers = new Thread[4];
        for (int c = 0; c < 4; c++) {
            consumers[c] = new Thread(() -> {
                long local = 0;
                try {
                    while (true) {
                        int x = queue.take();
                        if (x < 0) break;
                        local += x;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sum.addAndGet(local);
            });
            consumers[c].start();
        }
        for (int i = 0; i < items; i++) queue.put(i);
        for (int c = 0; c < 4; c++) queue.put(-1);
        for (Thread t : consumers) t.join();
        return sum.get();
    }
}
