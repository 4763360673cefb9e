package dev.kaio.java.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link AsyncBarrier} from Java. */
class AsyncBarrierTest {
    static final long LONG_DELAY_MS = 10_000;

    @Test
    void tripsWithArrivalIndexes() throws Exception {
        AsyncBarrier barrier = AsyncBarrier.create(2);
        CompletableFuture<Integer> first = barrier.await();
        awaitWaiting(barrier, 1);
        CompletableFuture<Integer> second = barrier.await();
        assertEquals(0, first.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertEquals(1, second.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertEquals(2, barrier.parties());
    }

    @Test
    void abortFailsWaitersUntilReset() throws Exception {
        AsyncBarrier barrier = AsyncBarrier.create(2);
        CompletableFuture<Integer> waiting = barrier.await();
        awaitWaiting(barrier, 1);
        barrier.abort();
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertInstanceOf(BrokenBarrierException.class, e.getCause());
        assertTrue(barrier.isBroken());
        barrier.reset();
        assertFalse(barrier.isBroken());
    }

    /** The facade starts a task per wait; this waits (without sleeping) until it has arrived. */
    private static void awaitWaiting(AsyncBarrier barrier, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LONG_DELAY_MS);
        while (barrier.waiting() < n) {
            if (System.nanoTime() > deadline) throw new AssertionError("no arrival: " + barrier);
            Thread.yield();
        }
    }
}
