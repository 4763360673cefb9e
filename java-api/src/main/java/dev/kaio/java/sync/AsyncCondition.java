package dev.kaio.java.sync;

import dev.kaio.interop.SyncInterop;
import dev.kaio.sync.Condition;
import dev.kaio.sync.ConditionKt;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A condition variable over an {@link AsyncLock}: asyncio's {@code Condition} (Kotlin:
 * {@code dev.kaio.sync.Condition}), with the names of {@link java.util.concurrent.locks.Condition}
 * ({@code await}, {@code signal}, {@code signalAll}), since {@code wait} and {@code notify} belong to
 * {@link Object} in Java.
 *
 * <p><b>Ownership.</b> Every method takes the {@link AsyncLock.Holder} of the caller, which must
 * hold the lock; otherwise it throws {@link IllegalStateException}.
 *
 * <p><b>Fairness.</b> Waiters are signalled first-in, first-out, then queue for the lock. A call
 * to {@link #await(AsyncLock.Holder)} has queued its waiter and given up the lock before it
 * returns, so waits made one after the other are signalled in that order. Waiters signalled
 * together ({@code signal(holder, n)}, {@link #signalAll(AsyncLock.Holder)}) queue for the lock in
 * no set order among themselves.
 *
 * <p><b>Cancellation.</b> As in asyncio and the Kotlin {@code Condition}, a wait that ends
 * without a signal still ends <em>holding the lock</em>, so that the caller's usual release (a
 * {@code whenComplete} that releases, a {@link AsyncLock.Holder#close()} in a {@code finally}, a
 * {@code Tasks.timeout} around the wait inside the critical section) stays correct. Cancelling
 * the future of {@link #await(AsyncLock.Holder)} or {@link #awaitUntil(AsyncLock.Holder,
 * BooleanSupplier)}, or completing or failing it from outside (as {@code orTimeout} does), is a
 * <em>request</em>: the waiter stops waiting, takes the lock back for its holder (waiting behind
 * the current holder if need be), and only then does the future complete, cancelled (or with the
 * outcome given from outside). So {@code cancel} returns {@code true} but, unlike a plain
 * {@link CompletableFuture}, {@code isDone()} may stay {@code false} until the lock is held again;
 * every dependent stage, {@code get()} and {@code join()} run or return with
 * {@code holder.isHeld()} true, and the holder must release the lock as after a normal wait.
 * Cancelling again meanwhile changes nothing (the lock is still taken back). A
 * {@code Tasks.timeout} around a wait fails with its {@link java.util.concurrent.TimeoutException}
 * only once the lock is held again. A signal given to a waiter whose future is cancelled before it
 * completes is passed on to the next waiter, never lost.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by thread interruption.
 *
 * <p><b>Sample usage.</b>
 * <pre>{@code
 * AsyncLock lock = AsyncLock.create();
 * AsyncCondition ready = AsyncCondition.create(lock);
 * lock.acquire()
 *     .thenCompose(holder -> ready.awaitUntil(holder, () -> !items.isEmpty())
 *         .thenApply(v -> items.remove())
 *         // runs holding the lock, whether the wait was signalled, cancelled or timed out
 *         .whenComplete((item, failure) -> holder.release()));
 * }</pre>
 */
public final class AsyncCondition {
    private final AsyncLock lock;
    private final Condition condition;

    private AsyncCondition(AsyncLock lock) {
        this.lock = lock;
        this.condition = ConditionKt.Condition(lock.core());
    }

    /**
     * Creates a condition bound to {@code lock}.
     *
     * @param lock the lock that callers must hold
     * @return a new condition
     */
    public static AsyncCondition create(AsyncLock lock) {
        return new AsyncCondition(Objects.requireNonNull(lock, "lock"));
    }

    /**
     * The lock of this condition.
     *
     * @return the lock
     */
    public AsyncLock lock() {
        return lock;
    }

    /**
     * Releases the lock, waits for a signal and takes the lock back for {@code holder}.
     *
     * @param holder the caller's holder of {@link #lock()}
     * @return a future completed once signalled and holding the lock again; cancelling it
     *     withdraws the waiter, and it completes cancelled once the lock is held again
     * @throws IllegalStateException if {@code holder} does not hold the lock
     */
    public CompletableFuture<Void> await(AsyncLock.Holder holder) {
        return SyncInterop.conditionWait(condition, Objects.requireNonNull(holder, "holder"));
    }

    /**
     * Waits, as {@link #await(AsyncLock.Holder)}, until {@code predicate} (evaluated holding the
     * lock) is true. A predicate that is already true completes the future at once, even if
     * {@code holder} does not hold the lock (asyncio's {@code wait_for}); only a false predicate
     * needs the lock.
     *
     * @param holder the caller's holder of {@link #lock()}
     * @param predicate the condition to wait for
     * @return a future completed holding the lock with the predicate true (or at once, see above);
     *     a failure of the predicate fails it, the lock still held; cancelling it ends the wait,
     *     and it completes cancelled once the lock is held again
     * @throws IllegalStateException if the predicate is false and {@code holder} does not hold the
     *     lock
     */
    public CompletableFuture<Void> awaitUntil(AsyncLock.Holder holder, BooleanSupplier predicate) {
        return SyncInterop.conditionWaitFor(
                condition, Objects.requireNonNull(holder, "holder"), Objects.requireNonNull(predicate, "predicate"));
    }

    /**
     * Wakes the first waiter.
     *
     * @param holder the caller's holder of {@link #lock()}
     * @throws IllegalStateException if {@code holder} does not hold the lock
     */
    public void signal(AsyncLock.Holder holder) {
        condition.notify(holder, 1);
    }

    /**
     * Wakes up to {@code n} waiters, first to last.
     *
     * @param holder the caller's holder of {@link #lock()}
     * @param n how many, 0 or more
     * @throws IllegalStateException if {@code holder} does not hold the lock
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public void signal(AsyncLock.Holder holder, int n) {
        condition.notify(holder, n);
    }

    /**
     * Wakes every waiter.
     *
     * @param holder the caller's holder of {@link #lock()}
     * @throws IllegalStateException if {@code holder} does not hold the lock
     */
    public void signalAll(AsyncLock.Holder holder) {
        condition.notify(holder, Integer.MAX_VALUE);
    }

    @Override
    public String toString() {
        return "Async" + condition;
    }
}
