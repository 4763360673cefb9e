package dev.kaio.java.sync;

import dev.kaio.interop.SyncInterop;
import dev.kaio.sync.ReadWriteLock;
import dev.kaio.sync.ReadWriteLockKt;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A fair asynchronous readers-writer lock (Kotlin: {@code dev.kaio.sync.ReadWriteLock}): many
 * readers at once, or one writer; the non-blocking counterpart of
 * {@link java.util.concurrent.locks.ReentrantReadWriteLock} in fair mode, without reentrancy.
 *
 * <p><b>Fairness.</b> One first-in, first-out queue: a new reader waits behind a waiting writer, so
 * writers are never starved; readers queued together enter together.
 * The order is the order of the calls: a call that has to wait is queued before it returns, so
 * calls made one after the other (from one thread, or ordered by happens-before) wait in that
 * order. A {@code with…} method whose hold is free calls its action at once, on the calling thread.
 *
 * <p><b>Cancellation.</b> Cancelling a future from {@link #acquireRead()} or
 * {@link #acquireWrite()} withdraws the request; a hold handed to it at that moment is released
 * again, so a cancelled acquire never keeps a hold.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by thread interruption.
 *
 * <p><b>Misuse.</b> Holds are counted, not owned: {@link #releaseRead()} without a read hold or
 * {@link #releaseWrite()} without the write hold throws {@link IllegalStateException}. Prefer
 * {@link #withReadLock(Supplier)} and {@link #withWriteLock(Supplier)}.
 */
public final class AsyncReadWriteLock {
    private final ReadWriteLock lock;

    private AsyncReadWriteLock(ReadWriteLock lock) {
        this.lock = lock;
    }

    /**
     * Creates a free readers-writer lock.
     *
     * @return a new lock
     */
    public static AsyncReadWriteLock create() {
        return new AsyncReadWriteLock(ReadWriteLockKt.ReadWriteLock());
    }

    /**
     * Takes a read hold, waiting while a writer holds the lock or anybody waits.
     *
     * @return a future completed once the hold is taken; cancelling it withdraws the request
     */
    public CompletableFuture<Void> acquireRead() {
        return SyncInterop.readLockAcquire(lock);
    }

    /**
     * Takes the write hold, waiting until nobody holds the lock.
     *
     * @return a future completed once the hold is taken; cancelling it withdraws the request
     */
    public CompletableFuture<Void> acquireWrite() {
        return SyncInterop.writeLockAcquire(lock);
    }

    /**
     * Gives back a read hold.
     *
     * @throws IllegalStateException if no read hold exists
     */
    public void releaseRead() {
        lock.releaseRead();
    }

    /**
     * Gives back the write hold.
     *
     * @throws IllegalStateException if no write hold exists
     */
    public void releaseWrite() {
        lock.releaseWrite();
    }

    /**
     * Runs {@code action} holding a read hold, released when its stage completes.
     *
     * @param action supplies the work
     * @param <T> the result type
     * @return a future of the action's result or its own exception; cancelling it releases the hold
     */
    public <T> CompletableFuture<T> withReadLock(Supplier<? extends CompletionStage<T>> action) {
        return SyncInterop.readWriteLockWith(lock, false, Objects.requireNonNull(action, "action"));
    }

    /**
     * Runs {@code action} holding the write hold, released when its stage completes.
     *
     * @param action supplies the work
     * @param <T> the result type
     * @return a future of the action's result or its own exception; cancelling it releases the hold
     */
    public <T> CompletableFuture<T> withWriteLock(Supplier<? extends CompletionStage<T>> action) {
        return SyncInterop.readWriteLockWith(lock, true, Objects.requireNonNull(action, "action"));
    }

    /**
     * The readers holding the lock now.
     *
     * @return the reader count
     */
    public int readers() {
        return lock.getReaders();
    }

    /**
     * Tells whether a writer holds the lock.
     *
     * @return true while write-locked
     */
    public boolean isWriteLocked() {
        return lock.isWriteLocked();
    }

    @Override
    public String toString() {
        return "Async" + lock;
    }
}
