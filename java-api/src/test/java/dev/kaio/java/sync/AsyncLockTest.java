package dev.kaio.java.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link AsyncLock} from Java: futures, holders, FIFO, cancellation; latches, no sleeps. */
class AsyncLockTest {
    static final long LONG_DELAY_MS = 10_000;

    @Test
    void acquireReleaseIsFifo() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncLock.Holder first = lock.acquire().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertTrue(lock.isLocked());
        assertNull(lock.tryAcquire());
        List<Integer> order = new CopyOnWriteArrayList<>();
        CompletableFuture<?>[] waiters = new CompletableFuture<?>[3];
        for (int i = 0; i < 3; i++) {
            int n = i;
            waiters[i] = lock.acquire().thenAccept(h -> {
                order.add(n);
                h.release();
            });
        }
        first.release();
        CompletableFuture.allOf(waiters).get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertEquals(List.of(0, 1, 2), order);
        assertFalse(lock.isLocked());
    }

    @Test
    void releasingTwiceOrByAStaleHolderThrows() {
        AsyncLock lock = AsyncLock.create();
        AsyncLock.Holder holder = lock.tryAcquire();
        assertNotNull(holder);
        assertTrue(holder.isHeld());
        holder.close();
        assertFalse(holder.isHeld());
        IllegalStateException e = assertThrows(IllegalStateException.class, holder::release);
        assertTrue(e.getMessage().contains("not locked"), e.getMessage());
    }

    @Test
    void cancellingAWaitingAcquireWithdrawsIt() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncLock.Holder holder = lock.tryAcquire();
        CompletableFuture<AsyncLock.Holder> waiting = lock.acquire();
        assertTrue(waiting.cancel(false));
        holder.release();
        // the cancelled waiter never gets the lock: a fresh acquire does, at once or after the hand-back
        AsyncLock.Holder next = lock.acquire().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertTrue(next.isHeld());
        next.release();
        assertFalse(lock.isLocked());
    }

    @Test
    void withLockReleasesWhenTheActionCompletes() throws Exception {
        AsyncLock lock = AsyncLock.create();
        CompletableFuture<String> gate = new CompletableFuture<>();
        CountDownLatch inside = new CountDownLatch(1);
        CompletableFuture<String> result = lock.withLock(() -> {
            inside.countDown();
            return gate;
        });
        assertTrue(inside.await(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertTrue(lock.isLocked());
        gate.complete("done");
        assertEquals("done", result.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertFalse(lock.isLocked());
    }

    @Test
    void withLockFailsWithTheActionsOwnException() throws Exception {
        AsyncLock lock = AsyncLock.create();
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        CompletableFuture<String> result = lock.withLock(() -> CompletableFuture.failedFuture(boom));
        CompletableFuture<Throwable> seen = result.handle((v, e) -> e);
        assertEquals(boom, seen.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS));
        assertFalse(lock.isLocked());
    }
}
