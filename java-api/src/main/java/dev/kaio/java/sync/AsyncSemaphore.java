package dev.kaio.java.sync;

import dev.kaio.interop.SyncInterop;
import dev.kaio.sync.Semaphore;
import dev.kaio.sync.SemaphoreKt;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * An asynchronous counting semaphore: asyncio's {@code Semaphore} and {@code BoundedSemaphore}
 * (Kotlin: {@code dev.kaio.sync.Semaphore}) for Java; waiting means a {@link CompletableFuture},
 * never a parked thread.
 *
 * <p><b>Policies.</b> A semaphore from {@link #create(int)} accepts releases beyond its initial
 * permits (the count grows, as in asyncio); one from {@link #bounded(int)} throws
 * {@link IllegalStateException} instead. Permits have no owner.
 *
 * <p><b>Fairness.</b> Strictly first-in, first-out, also for multi-permit requests: a large request
 * at the head holds back later small ones, so it is never starved. {@link #tryAcquire(int)} never
 * barges ahead of waiters.
 * The order is the order of the calls: a call that has to wait is queued before it returns, so
 * calls made one after the other (from one thread, or ordered by happens-before) wait in that
 * order. A {@code with…} method whose hold is free calls its action at once, on the calling thread.
 *
 * <p><b>Cancellation.</b> Cancelling the future of {@link #acquire(int)} withdraws the request; if
 * the permits had just been handed to it, they are released again, so a cancelled acquire never
 * keeps a permit.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by thread interruption.
 *
 * <p><b>Memory consistency.</b> A release happens-before the completion of the acquire that takes
 * its permits.
 *
 * <p><b>Sample usage.</b>
 * <pre>{@code
 * AsyncSemaphore limit = AsyncSemaphore.create(10);
 * CompletableFuture<String> page = limit.withPermit(() -> httpClient.sendAsync(request, ofString()));
 * }</pre>
 */
public final class AsyncSemaphore {
    private final Semaphore semaphore;

    private AsyncSemaphore(Semaphore semaphore) {
        this.semaphore = semaphore;
    }

    /**
     * Creates a semaphore that accepts releases beyond {@code permits}.
     *
     * @param permits the initial free permits, 0 or more
     * @return a new semaphore
     * @throws IllegalArgumentException if {@code permits} is negative
     */
    public static AsyncSemaphore create(int permits) {
        return new AsyncSemaphore(SemaphoreKt.Semaphore(permits));
    }

    /**
     * Creates a bounded semaphore: a release beyond {@code permits} throws.
     *
     * @param permits the size, 0 or more
     * @return a new bounded semaphore
     * @throws IllegalArgumentException if {@code permits} is negative
     */
    public static AsyncSemaphore bounded(int permits) {
        return new AsyncSemaphore(SemaphoreKt.BoundedSemaphore(permits));
    }

    /**
     * Takes one permit; see {@link #acquire(int)}.
     *
     * @return a future completed once the permit is taken
     */
    public CompletableFuture<Void> acquire() {
        return acquire(1);
    }

    /**
     * Takes {@code permits} permits, waiting first-in, first-out until that many are free.
     *
     * @param permits how many, 1 or more
     * @return a future completed once the permits are taken; cancelling it withdraws the request
     *     and never keeps a permit; it never fails otherwise
     * @throws IllegalArgumentException if {@code permits} is below 1 (or above the size of a
     *     bounded semaphore)
     */
    public CompletableFuture<Void> acquire(int permits) {
        return SyncInterop.semaphoreAcquire(semaphore, permits);
    }

    /**
     * Takes one permit if one is free and nobody waits.
     *
     * @return true if taken
     */
    public boolean tryAcquire() {
        return semaphore.tryAcquire(1);
    }

    /**
     * Takes {@code permits} permits if they are free and nobody waits.
     *
     * @param permits how many, 1 or more
     * @return true if taken
     * @throws IllegalArgumentException if {@code permits} is below 1
     */
    public boolean tryAcquire(int permits) {
        return semaphore.tryAcquire(permits);
    }

    /**
     * Gives back one permit.
     *
     * @throws IllegalStateException for a bounded semaphore already at its size
     */
    public void release() {
        semaphore.release(1);
    }

    /**
     * Gives back {@code permits} permits and serves the waiters they satisfy.
     *
     * @param permits how many, 1 or more
     * @throws IllegalArgumentException if {@code permits} is below 1
     * @throws IllegalStateException for a bounded semaphore that would exceed its size
     */
    public void release(int permits) {
        semaphore.release(permits);
    }

    /**
     * Runs {@code action} holding one permit, released when the action's stage completes.
     *
     * @param action supplies the work; called once the permit is taken
     * @param <T> the result type
     * @return a future of the action's result or its own exception; cancelling it cancels the wait
     *     or the action's stage and releases the permit
     */
    public <T> CompletableFuture<T> withPermit(Supplier<? extends CompletionStage<T>> action) {
        Objects.requireNonNull(action, "action");
        return SyncInterop.semaphoreWithPermit(semaphore, 1, action);
    }

    /**
     * The permits free right now.
     *
     * @return the free permits
     */
    public int availablePermits() {
        return semaphore.getAvailablePermits();
    }

    @Override
    public String toString() {
        return "Async" + semaphore;
    }
}
