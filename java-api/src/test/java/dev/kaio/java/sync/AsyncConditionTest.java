package dev.kaio.java.sync;

import static dev.kaio.java.FutureTesting.await;
import static dev.kaio.java.FutureTesting.failureOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kaio.java.Deadline;
import dev.kaio.java.EventLoop;
import dev.kaio.java.Tasks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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
    void cancelledAwaitCompletesOnlyOnceItHoldsTheLockAgain() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        AsyncLock.Holder holder = await(lock.acquire());
        CompletableFuture<Void> waiting = cond.await(holder);
        AsyncLock.Holder other = await(lock.acquire()); // the wait gave the lock up
        // What a dependent sees when the future completes: does the cancelled caller hold the lock?
        CompletableFuture<Boolean> heldAtCompletion = waiting.handle((v, failure) -> holder.isHeld() && !other.isHeld());
        assertTrue(waiting.cancel(false), "the cancellation is accepted");
        assertTrue(waiting.cancel(false), "a second cancel while the lock is taken back changes nothing");
        assertFalse(waiting.isDone(), "it completes only once the lock is held again; another holder has it");
        other.release();
        assertTrue(await(heldAtCompletion), "the cancelled caller holds the lock when its future completes");
        assertTrue(waiting.isCancelled());
        assertThrows(CancellationException.class, waiting::join);
        assertTrue(holder.isHeld());
        holder.release(); // the caller's usual release stays correct
        assertFalse(lock.isLocked());
    }

    @Test
    void cancelledAwaitOnAFreeLockHoldsItAgain() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        AsyncLock.Holder holder = await(lock.acquire());
        CompletableFuture<Void> waiting = cond.await(holder);
        assertTrue(waiting.cancel(false));
        assertInstanceOf(CancellationException.class, failureOf(waiting));
        assertTrue(holder.isHeld(), "the core takes the lock back for the holder");
        holder.release();
    }

    @Test
    void orTimeoutOnAnAwaitCompletesHoldingTheLock() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        AsyncLock.Holder holder = await(lock.acquire());
        CompletableFuture<Void> waiting = cond.await(holder);
        AsyncLock.Holder other = await(lock.acquire());
        CompletableFuture<Boolean> heldAtCompletion = waiting.handle((v, failure) -> holder.isHeld());
        assertTrue(waiting.completeExceptionally(new TimeoutException("outside")));
        assertFalse(waiting.isDone());
        other.release();
        assertTrue(await(heldAtCompletion));
        assertInstanceOf(TimeoutException.class, failureOf(waiting));
        holder.release();
    }

    @Test
    void timeoutAroundAwaitInsideTheLockFailsOnlyOnceTheLockIsHeldAgain() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        AsyncLock.Holder holder = await(lock.acquire());
        AtomicReference<Deadline> deadline = new AtomicReference<>();
        CompletableFuture<Void> timed = Tasks.timeout(Duration.ofDays(1), d -> {
            deadline.set(d);
            return cond.await(holder);
        });
        AsyncLock.Holder other = await(lock.acquire()); // the wait inside the timeout gave the lock up
        CompletableFuture<Boolean> heldAtTimeout = timed.handle((v, failure) -> holder.isHeld() && !other.isHeld());
        deadline.get().rescheduleAfter(Duration.ZERO); // the deadline passes now, while `other` holds the lock
        other.release();
        assertTrue(await(heldAtTimeout), "the timeout surfaces only with the lock held by the waiter again");
        assertInstanceOf(TimeoutException.class, failureOf(timed));
        holder.release(); // the release of the surrounding critical section stays correct
        assertFalse(lock.isLocked());
    }

    @Test
    void timeoutInsideWithLockReleasesOnce() throws Exception {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        CompletableFuture<String> result = lock.acquire().thenCompose(holder ->
                Tasks.timeout(Duration.ofMillis(20), () -> cond.await(holder))
                        .handle((v, failure) -> {
                            String seen = (failure instanceof TimeoutException ? "timed out" : "other: " + failure)
                                    + (holder.isHeld() ? ", held" : ", not held");
                            holder.release(); // must not throw: the holder holds the lock again
                            return seen;
                        }));
        assertEquals("timed out, held", await(result));
        assertFalse(lock.isLocked());
    }

    @Test
    void awaitUntilATruePredicateWithoutTheLockReturnsAtOnce() {
        AsyncLock lock = AsyncLock.create();
        AsyncCondition cond = AsyncCondition.create(lock);
        AsyncLock.Holder stale = lock.tryAcquire();
        stale.release();
        CompletableFuture<Void> done = cond.awaitUntil(stale, () -> true);
        assertTrue(done.isDone());
        assertNull(done.join());
        assertFalse(lock.isLocked(), "nothing was acquired");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cond.awaitUntil(stale, () -> false));
        assertTrue(e.getMessage().contains("does not hold the lock"), e.getMessage());
    }

    @Test
    void aSignalTakenByACancelledWaiterIsPassedOn() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        String seen = EventLoop.run(() -> {
            AsyncLock lock = AsyncLock.create();
            AsyncCondition cond = AsyncCondition.create(lock);
            AsyncLock.Holder a = lock.tryAcquire();
            CompletableFuture<Void> first = cond.awaitUntil(a, () -> !order.isEmpty());
            AsyncLock.Holder b = lock.tryAcquire();
            CompletableFuture<Void> second = cond.awaitUntil(b, () -> !order.isEmpty());
            AsyncLock.Holder signaller = lock.tryAcquire();
            order.add("ready");
            cond.signal(signaller, 1); // handed to `first`, whose task has not resumed yet (one loop thread)
            first.cancel(false); // cancelled before it resumes: the signal goes to `second`
            signaller.release();
            return first.handle((v, failure) -> {
                order.add("first " + (failure instanceof CancellationException ? "cancelled" : "not cancelled"));
                a.release();
                return null;
            }).thenCompose(x -> second).thenApply(v -> {
                order.add("second signalled");
                b.release();
                return String.join(", ", order) + (lock.isLocked() ? ", locked" : ", free");
            });
        });
        assertEquals("ready, first cancelled, second signalled, free", seen);
    }

    @Test
    void aSignalTakenByACancelledAwaitIsPassedOn() throws Exception {
        String seen = EventLoop.run(() -> {
            AsyncLock lock = AsyncLock.create();
            AsyncCondition cond = AsyncCondition.create(lock);
            AsyncLock.Holder a = lock.tryAcquire();
            CompletableFuture<Void> first = cond.await(a);
            AsyncLock.Holder b = lock.tryAcquire();
            CompletableFuture<Void> second = cond.await(b);
            AsyncLock.Holder signaller = lock.tryAcquire();
            cond.signal(signaller);
            first.cancel(false);
            signaller.release();
            return first.handle((v, failure) -> {
                a.release();
                return failure instanceof CancellationException;
            }).thenCompose(cancelled -> second.thenApply(v -> {
                b.release();
                return "first cancelled " + cancelled + ", second signalled";
            }));
        });
        assertEquals("first cancelled true, second signalled", seen);
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
