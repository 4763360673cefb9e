package dev.kaio.java.sync;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@link AsyncCondition} from Java. */
class AsyncConditionTest {
    static final long LONG_DELAY_MS = 10_000;

    @Test
    void awaitUntilReleasesTheLockAndRetakesIt() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        AtomicBoolean ready = new AtomicBoolean();
        AsyncLock.Holder waiter = lock.acquire().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        CompletableFuture<Void> waiting = cond.awaitUntil(waiter, ready::get);
        // the waiter released the lock while waiting: another holder can take it
        AsyncLock.Holder signaller = lock.acquire().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        ready.set(true);
        cond.signal(signaller);
        assertFalse(waiting.isDone(), "the waiter needs the lock back first");
        signaller.release();
        waiting.get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertTrue(waiter.isHeld());
        waiter.release();
    }

    @Test
    void cancelledAwaitGivesUpTheLock() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        AsyncLock.Holder holder = lock.acquire().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        CompletableFuture<Void> waiting = cond.await(holder);
        assertTrue(waiting.cancel(false));
        // the lock ends up free (the core retakes it for the holder, then the facade gives it up)
        AsyncLock.Holder next = lock.acquire().get(LONG_DELAY_MS, TimeUnit.MILLISECONDS);
        assertFalse(holder.isHeld());
        next.release();
    }

    @Test
    void signallingWithoutTheLockThrows() {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        AsyncLock.Holder stale = lock.tryAcquire();
        stale.release();
        assertThrows(IllegalStateException.class, () -> cond.signal(stale));
        assertThrows(IllegalStateException.class, () -> cond.signalAll(stale));
        assertThrows(IllegalStateException.class, () -> cond.await(stale));
    }
}
