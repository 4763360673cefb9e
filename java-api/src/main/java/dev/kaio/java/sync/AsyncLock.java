package dev.kaio.java.sync;

import dev.kaio.interop.SyncInterop;
import dev.kaio.sync.Lock;
import dev.kaio.sync.LockKt;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A fair, non-reentrant asynchronous lock: asyncio's {@code Lock} (Kotlin: {@code dev.kaio.sync.Lock})
 * for Java, where waiting means a {@link CompletableFuture} and never a parked thread.
 *
 * <p><b>Ownership.</b> {@link #acquire()} completes with a {@link Holder}, the token of this
 * acquisition. Only {@link Holder#release()} releases the lock, and only once: a holder that no
 * longer holds the lock throws {@link IllegalStateException}, so a stray release cannot unlock
 * somebody else's critical section. {@link #withLock(Supplier)} manages the holder for you.
 *
 * <p><b>Fairness.</b> First-in, first-out: a release hands the lock to the longest waiting
 * acquirer; {@link #tryAcquire()} never barges ahead of waiters.
 * The order is the order of the calls: a call that has to wait is queued before it returns, so
 * calls made one after the other (from one thread, or ordered by happens-before) wait in that
 * order. A {@code with…} method whose hold is free calls its action at once, on the calling thread.
 *
 * <p><b>Cancellation.</b> Cancelling the future returned by {@link #acquire()} withdraws the
 * waiter: it will not get the lock. If the lock had just been handed to it, the lock is released
 * again to the next waiter, so a cancelled acquire never keeps the lock.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by thread interruption.
 *
 * <p><b>Memory consistency.</b> Actions before a release happen-before the completion of the
 * acquire that takes the lock next.
 *
 * <p><b>Sample usage.</b>
 * <pre>{@code
 * AsyncLock lock = AsyncLock.create();
 * CompletableFuture<Integer> result = lock.withLock(() -> readModifyWrite());
 * }</pre>
 */
public final class AsyncLock {
    /* Overview: a Holder is the owner token passed to the Kotlin core, which checks it on release. */

    private final Lock lock;

    private AsyncLock(Lock lock) {
        this.lock = lock;
    }

    /**
     * Creates an unlocked lock.
     *
     * @return a new lock
     */
    public static AsyncLock create() {
        return new AsyncLock(LockKt.Lock());
    }

    /**
     * Takes the lock, waiting first-in, first-out while another holder has it.
     *
     * @return a future completed with the new holder once the lock is taken; cancelling it
     *     withdraws the request (see the class comment); it never fails otherwise
     */
    public CompletableFuture<Holder> acquire() {
        return SyncInterop.lockAcquire(lock, new Holder(this));
    }

    /**
     * Takes the lock if nobody holds it or waits for it.
     *
     * @return the holder, or {@code null} if the lock is taken
     */
    public Holder tryAcquire() {
        Holder holder = new Holder(this);
        return lock.tryAcquire(holder) ? holder : null;
    }

    /**
     * Runs {@code action} holding the lock and releases it when the action's stage completes, fails
     * or is cancelled.
     *
     * @param action supplies the work to do under the lock; called once the lock is taken
     * @param <T> the result type
     * @return a future of the action's result, failing with the action's own exception
     *     (unwrapped); cancelling it cancels the waiting acquire or the action's stage, and releases
     *     the lock
     */
    public <T> CompletableFuture<T> withLock(Supplier<? extends CompletionStage<T>> action) {
        Objects.requireNonNull(action, "action");
        return SyncInterop.lockWithLock(lock, action);
    }

    /**
     * Tells whether some holder has the lock.
     *
     * @return true while the lock is held
     */
    public boolean isLocked() {
        return lock.isLocked();
    }

    /** The underlying Kotlin lock, for {@link AsyncCondition}. */
    Lock core() {
        return lock;
    }

    @Override
    public String toString() {
        return "Async" + lock;
    }

    /**
     * One acquisition of an {@link AsyncLock}: the only thing that can release it.
     *
     * <p>{@link #close()} releases too, so a holder fits try-with-resources in code that runs while
     * holding the lock synchronously.
     */
    public static final class Holder implements AutoCloseable {
        private final AsyncLock lock;

        private Holder(AsyncLock lock) {
            this.lock = lock;
        }

        /**
         * The lock this holder belongs to.
         *
         * @return the lock
         */
        public AsyncLock lock() {
            return lock;
        }

        /**
         * Tells whether this holder still holds its lock.
         *
         * @return true until released
         */
        public boolean isHeld() {
            return lock.lock.holdsLock(this);
        }

        /**
         * Releases the lock and hands it to the first waiter.
         *
         * @throws IllegalStateException if this holder does not hold the lock (already released)
         */
        public void release() {
            lock.lock.release(this);
        }

        /**
         * Same as {@link #release()}.
         *
         * @throws IllegalStateException if this holder does not hold the lock
         */
        @Override
        public void close() {
            release();
        }

        @Override
        public String toString() {
            return "AsyncLock.Holder@" + Integer.toHexString(System.identityHashCode(this));
        }
    }
}
