package dev.kaio.java.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.queue.QueueShutdownException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Four producer and four consumer threads move 400,000 items through a queue with the Java API,
 * cancelling the future of about one put and one get in six at random moments: while it waits, or
 * just as its item is handed over, when the facade must undo the hand-off (a late-cancelled get gives its item
 * back to the head; a late-cancelled put takes its item back out unless a consumer already has it).
 *
 * <p>A cancelled put's item is not retried, since it may have been delivered; the producer goes on
 * with a fresh item. Checks: an item whose put completed is delivered exactly once, an item whose
 * put was cancelled at most once, nothing else is delivered, {@code join} completes once every
 * delivered item is marked done (so every withdrawn item was uncounted), and the queue ends empty.
 *
 * <p>The "fifo beyond the ring" kind keeps about 1,090 items in a fifo queue of capacity 1,100, so
 * that the undo paths also run on items in the overflow behind the 1,024-cell ring.
 *
 * <p>Two probe runs (counters in {@code QueueImpl.withdraw} and {@code giveBack}, not kept) showed
 * every undo path taken in each kind: a late-cancelled put's item taken back out (8 to 249 times per
 * kind and run) or already delivered (0 to 709), a late-cancelled get's item handed to the next
 * waiting get (23 to 364) or put back at the head (79 to 651). With two CPU burners running, the
 * test takes about 40 seconds instead of 3.
 */
class AsyncQueueStressTest {
    private static final int PRODUCERS = 4;
    private static final int CONSUMERS = 4;
    private static final int ITEMS_PER_PRODUCER = 100_000;
    private static final int PREFILLED = 1_090;
    private static final int ITEMS = PREFILLED + PRODUCERS * ITEMS_PER_PRODUCER;

    /** Per item: how its put ended (PUT_* below) and how many times it was delivered. */
    private final AtomicIntegerArray putOutcome = new AtomicIntegerArray(ITEMS);
    private final AtomicIntegerArray delivered = new AtomicIntegerArray(ITEMS);
    private final AtomicInteger cancelledPuts = new AtomicInteger();
    private final AtomicInteger cancelledGets = new AtomicInteger();
    private static final int PUT_COMPLETED = 1;
    private static final int PUT_CANCELLED = 2;

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "fifo beyond the ring", "lifo", "priority"})
    void everyItemOnceUnderRandomFutureCancellation(String kind) throws Exception {
        AsyncQueue<Integer> queue = switch (kind) {
            case "fifo" -> AsyncQueue.fifo(16);
            case "fifo beyond the ring" -> AsyncQueue.fifo(PREFILLED + 10);
            case "lifo" -> AsyncQueue.lifo(16);
            default -> AsyncQueue.priority(16, Comparator.naturalOrder());
        };
        int first = 0;
        if (kind.equals("fifo beyond the ring")) {
            for (; first < PREFILLED; first++) {
                assertTrue(queue.tryPut(first));
                putOutcome.set(first, PUT_COMPLETED);
            }
        }
        // Workers are threads that block on the futures; a failure of any of them ends the waits below at once.
        CompletableFuture<Void> anyFailure = new CompletableFuture<>();
        List<CompletableFuture<Void>> consumers = new ArrayList<>();
        for (int c = 0; c < CONSUMERS; c++) {
            Random random = new Random(c);
            consumers.add(startThread("consumer " + c, anyFailure, () -> consume(queue, random)));
        }
        List<CompletableFuture<Void>> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            Random random = new Random(100 + p);
            int from = first + p * ITEMS_PER_PRODUCER;
            producers.add(startThread("producer " + p, anyFailure, () -> produce(queue, from, random)));
        }
        awaitOrFail(allOf(producers), anyFailure, "the producers", queue);
        awaitOrFail(queue.join(), anyFailure, "join", queue);
        queue.shutdown();
        awaitOrFail(allOf(consumers), anyFailure, "the consumers to stop", queue);

        int cancelledButDelivered = 0;
        for (int item = 0; item < ITEMS; item++) {
            int outcome = putOutcome.get(item);
            int times = delivered.get(item);
            if (outcome == PUT_COMPLETED) assertEquals(1, times, "item " + item + " (put completed)");
            else if (outcome == PUT_CANCELLED) assertTrue(times <= 1, "item " + item + " delivered " + times + " times");
            else assertEquals(0, times, "item " + item + " was never put");
            if (outcome == PUT_CANCELLED && times == 1) cancelledButDelivered++;
        }
        assertEquals(0L, queue.unfinishedTasks());
        assertTrue(queue.isEmpty(), queue.toString());
        assertTrue(queue.toString().contains("getters=0") && queue.toString().contains("putters=0"), queue.toString());
        // In the kind that starts nearly full, which side waits depends on which threads run
        // faster (a run whose consumers keep up makes no put wait): there only the sum must be positive.
        String counts = cancelledPuts.get() + " cancelled puts, " + cancelledGets.get() + " cancelled gets";
        if (kind.equals("fifo beyond the ring")) {
            assertTrue(cancelledPuts.get() + cancelledGets.get() > 0, "the test cancelled nothing: " + counts);
        } else {
            assertTrue(cancelledPuts.get() > 0 && cancelledGets.get() > 0, "the test cancelled too little: " + counts);
        }
        System.out.printf(
                "%s: %d cancelled puts (%d of them delivered anyway), %d cancelled gets%n",
                kind, cancelledPuts.get(), cancelledButDelivered, cancelledGets.get());
    }

    /** Waits for {@code future}, failing at once with a worker's failure instead of at the deadline. */
    private static void awaitOrFail(
            CompletableFuture<?> future, CompletableFuture<Void> anyFailure, String what, AsyncQueue<?> queue)
            throws Exception {
        try {
            CompletableFuture.anyOf(future, anyFailure).get(120, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + ": " + queue);
        } catch (ExecutionException e) {
            throw new AssertionError("a worker failed", e.getCause());
        }
    }

    private static CompletableFuture<Void> allOf(List<CompletableFuture<Void>> futures) {
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
    }

    private void produce(AsyncQueue<Integer> queue, int from, Random random) {
        for (int item = from; item < from + ITEMS_PER_PRODUCER; item++) {
            CompletableFuture<Void> put = queue.put(item);
            if (random.nextInt(6) == 0 && cancelAtARandomMoment(put, random)) {
                putOutcome.set(item, PUT_CANCELLED);
                cancelledPuts.incrementAndGet();
                continue;
            }
            put.join();
            putOutcome.set(item, PUT_COMPLETED);
        }
    }

    private void consume(AsyncQueue<Integer> queue, Random random) {
        while (true) {
            CompletableFuture<Integer> get = queue.get();
            if (random.nextInt(6) == 0 && cancelAtARandomMoment(get, random)) {
                cancelledGets.incrementAndGet();
                continue;
            }
            Integer item;
            try {
                item = get.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof QueueShutdownException) return;
                throw e;
            }
            int times = delivered.incrementAndGet(item);
            if (times != 1) throw new AssertionError("item " + item + " delivered " + times + " times");
            queue.taskDone();
        }
    }

    /** Cancels at once, after a spin or after a yield, so that some cancels meet a hand-off. */
    private static boolean cancelAtARandomMoment(CompletableFuture<?> future, Random random) {
        switch (random.nextInt(3)) {
            case 0 -> { }
            case 1 -> { for (int i = random.nextInt(200); i > 0; i--) Thread.onSpinWait(); }
            default -> Thread.yield();
        }
        return future.cancel(false);
    }

    /** Runs {@code body} on a new thread; the future completes when it ends. */
    private static CompletableFuture<Void> startThread(String name, CompletableFuture<Void> anyFailure, Runnable body) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                body.run();
                ended.complete(null);
            } catch (Throwable e) {
                anyFailure.completeExceptionally(e);
                ended.completeExceptionally(e);
            }
        }, name);
        thread.setDaemon(true); // a worker stuck after a failed run must not keep the test JVM alive
        thread.start();
        return ended;
    }
}
