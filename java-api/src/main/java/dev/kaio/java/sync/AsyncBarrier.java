package dev.kaio.java.sync;

import dev.kaio.interop.SyncInterop;
import dev.kaio.sync.Barrier;
import dev.kaio.sync.BarrierKt;
import java.util.concurrent.CompletableFuture;

/**
 * A cyclic barrier for asynchronous tasks: asyncio's {@code Barrier} (Kotlin:
 * {@code dev.kaio.sync.Barrier}), the non-blocking counterpart of
 * {@link java.util.concurrent.CyclicBarrier}.
 *
 * <p>Each {@link #await()} stays pending until {@link #parties()} callers wait; then all complete
 * together, each with its arrival index (0 for the first, {@code parties - 1} for the last), and
 * the barrier is ready for the next round. The arrival order is the order of the calls: a call
 * has arrived when it returns.
 *
 * <p><b>Failure.</b> After {@link #abort()} pending and later waits fail with
 * {@link java.util.concurrent.BrokenBarrierException} until {@link #reset()}; {@link #reset()}
 * fails the pending waits with it and makes the barrier usable again.
 *
 * <p><b>Cancellation.</b> Cancelling a future from {@link #await()} withdraws that caller from the
 * round (which then needs one more arrival); it does not break the barrier.
 *
 * <p><b>Interruption.</b> No method blocks, so none is affected by thread interruption.
 */
public final class AsyncBarrier {
    private final Barrier barrier;

    private AsyncBarrier(Barrier barrier) {
        this.barrier = barrier;
    }

    /**
     * Creates a barrier for {@code parties} callers.
     *
     * @param parties 1 or more
     * @return a new barrier
     * @throws IllegalArgumentException if {@code parties} is below 1
     */
    public static AsyncBarrier create(int parties) {
        return new AsyncBarrier(BarrierKt.Barrier(parties));
    }

    /**
     * Waits until {@link #parties()} callers wait.
     *
     * @return a future of the caller's arrival index; it fails with
     *     {@link java.util.concurrent.BrokenBarrierException} if the barrier is or becomes broken or
     *     is reset; cancelling it withdraws the caller
     */
    public CompletableFuture<Integer> await() {
        return SyncInterop.barrierWait(barrier);
    }

    /** Breaks the barrier: pending and later waits fail until {@link #reset()}. */
    public void abort() {
        barrier.abort();
    }

    /** Fails the pending waits and makes the barrier empty and usable again. */
    public void reset() {
        barrier.reset();
    }

    /**
     * The number of callers that trip the barrier.
     *
     * @return the parties
     */
    public int parties() {
        return barrier.getParties();
    }

    /**
     * The callers waiting in the current round.
     *
     * @return the number waiting
     */
    public int waiting() {
        return barrier.getWaiting();
    }

    /**
     * Tells whether the barrier is broken.
     *
     * @return true after {@link #abort()} until {@link #reset()}
     */
    public boolean isBroken() {
        return barrier.isBroken();
    }

    @Override
    public String toString() {
        return "Async" + barrier;
    }
}
