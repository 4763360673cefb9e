package dev.kaio.java.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.queue.QueueShutdownException;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link AsyncQueue} from Java. */
class AsyncQueueTest {
    static final long LONG_DELAY_MS = 10_000;

    /** Waits (no sleep) until the queue reaches {@code state}: a waiting call's future completes on Kaio's dispatcher. */
    private static void awaitState(AsyncQueue<?> q, String state) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LONG_DELAY_MS);
        while (!q.toString().contains(state)) {
            if (System.nanoTime() > deadline) throw new AssertionError("never reached " + state + ": " + q);
            Thread.yield();
        }
    }

    @Test
    void putGetInEachOrder() throws Exception {
        AsyncQueue<String> fifo = AsyncQueue.fifo(10);
        AsyncQueue<String> lifo = AsyncQueue.lifo();
        AsyncQueue<String> prio = AsyncQueue.priority(Comparator.comparing(String::length));
        for (AsyncQueue<String> q : java.util.List.of(fifo, lifo, prio)) {
            for (String s : new String[] {"bb", "a", "ccc"}) q.put(s).get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        }
        assertEquals("bb", fifo.get().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertEquals("ccc", lifo.tryGet());
        assertEquals("a", prio.tryGet());
        assertEquals(AsyncQueue.UNBOUNDED, lifo.capacity());
    }

    @Test
    void getWaitsAndCancelledGetRemovesNothing() throws Exception {
        AsyncQueue<Integer> q = AsyncQueue.fifo(1);
        CompletableFuture<Integer> cancelled = q.get();
        awaitState(q, "getters=1");
        assertTrue(cancelled.cancel(false));
        awaitState(q, "getters=0");
        CompletableFuture<Integer> waiting = q.get();
        q.put(7).get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertEquals(7, waiting.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertTrue(q.isEmpty());
    }

    @Test
    void cancelledPutInsertsNothing() throws Exception {
        AsyncQueue<Integer> q = AsyncQueue.fifo(1);
        assertTrue(q.tryPut(1));
        assertTrue(q.isFull());
        assertFalse(q.tryPut(2));
        CompletableFuture<Void> put = q.put(2);
        awaitState(q, "putters=1");
        assertTrue(put.cancel(false));
        assertEquals(1, q.tryGet());
        assertNull(q.tryGet());
        assertEquals(1L, q.unfinishedTasks());
    }

    @Test
    void taskDoneJoinAndMisuse() throws Exception {
        AsyncQueue<Integer> q = AsyncQueue.fifo();
        q.put(1);
        CompletableFuture<Void> join = q.join();
        assertFalse(join.isDone());
        assertEquals(1, q.tryGet());
        q.taskDone();
        join.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        IllegalStateException tooMany = assertThrows(IllegalStateException.class, q::taskDone);
        assertTrue(tooMany.getMessage().contains("0"), tooMany.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> AsyncQueue.fifo(0));
        assertTrue(zero.getMessage().contains("0"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AsyncQueue.lifo(-1));
        assertThrows(NullPointerException.class, () -> q.put(null));
        assertThrows(NullPointerException.class, () -> q.tryPut(null));
    }

    @Test
    void shutdownGracefulThenImmediate() throws Exception {
        AsyncQueue<Integer> q = AsyncQueue.fifo(1);
        q.put(1);
        CompletableFuture<Void> blocked = q.put(2);
        awaitState(q, "putters=1");
        q.shutdown();
        ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertInstanceOf(QueueShutdownException.class, e.getCause());
        assertTrue(q.isShutdown());
        assertEquals(1, q.get().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        ExecutionException drained = assertThrows(ExecutionException.class, () -> q.get().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertInstanceOf(QueueShutdownException.class, drained.getCause());

        AsyncQueue<Integer> q2 = AsyncQueue.lifo();
        q2.put(1);
        q2.put(2);
        CompletableFuture<Void> join = q2.join();
        q2.shutdown(true);
        join.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertEquals(0, q2.size());
    }
}
