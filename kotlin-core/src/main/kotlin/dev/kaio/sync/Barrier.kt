package dev.kaio.sync

import java.util.concurrent.BrokenBarrierException
import kotlinx.coroutines.CancellableContinuation

/**
 * A cyclic barrier for a fixed number of coroutines, asyncio's `Barrier`.
 *
 * Each [wait] blocks until [parties] callers are waiting; then all of them return together and the
 * barrier is ready for the next round. [wait] returns the caller's **arrival index** in its round:
 * 0 for the first to arrive, `parties - 1` for the one that trips it.
 *
 * **Abort and reset.** [abort] breaks the barrier: current and later waiters fail with
 * [BrokenBarrierException] until [reset]. [reset] fails the current waiters with
 * [BrokenBarrierException] and returns the barrier to its empty, unbroken state.
 *
 * **Cancellation.** A caller cancelled while waiting leaves the round (the round then needs one more
 * arrival; the indexes of the others keep their arrival order) and throws `CancellationException`.
 * If the round tripped at the same moment, [wait] returns the index normally: a round that passed
 * is never undone.
 *
 * **Misuse.** `parties < 1` throws [IllegalArgumentException].
 *
 * Compared with `java.util.concurrent.CyclicBarrier`: same exception, no barrier action, and a
 * cancelled waiter leaves the round instead of breaking the barrier (as in asyncio).
 */
public interface Barrier {
    /** The number of callers that trip the barrier. */
    public val parties: Int

    /** Callers waiting in the current round. */
    public val waiting: Int

    /** True after [abort] until [reset]. */
    public val isBroken: Boolean

    /**
     * Waits until [parties] callers wait, then returns this caller's arrival index.
     *
     * @throws BrokenBarrierException if the barrier is or becomes broken, or is reset while waiting.
     */
    public suspend fun wait(): Int

    /** Breaks the barrier: current and later waiters fail with [BrokenBarrierException]. */
    public fun abort()

    /** Fails the current waiters with [BrokenBarrierException] and makes the barrier empty and usable. */
    public fun reset()
}

/** Creates a [Barrier] for [parties] callers (1 or more). */
public fun Barrier(parties: Int): Barrier = BarrierImpl(parties)

/*
 * Overview: the current round is the WaitList; the arrival that makes it `parties` long hands each
 * waiter its position and takes `parties - 1` itself. Broken is a flag checked on arrival.
 */
internal class BarrierImpl(override val parties: Int) : Barrier {
    private val waiters = WaitList<Int>()
    private var broken = false

    init {
        require(parties >= 1) { "parties < 1: $parties" }
    }

    override val waiting: Int get() = synchronized(this) { waiters.size }
    override val isBroken: Boolean get() = synchronized(this) { broken }

    override suspend fun wait(): Int {
        var waiter: Waiter<Int>? = null
        val released: List<CancellableContinuation<Int>?>
        synchronized(this) {
            if (broken) throw BrokenBarrierException("Barrier.wait(): the barrier is broken (aborted)")
            if (waiters.size + 1 < parties) {
                val w = Waiter<Int>(null)
                waiters.addLast(w)
                waiter = w
                released = emptyList()
            } else {
                released = waiters.drain().mapIndexed { index, w -> w.hand(index) }
            }
        }
        waiter?.let { return park(this, waiters, it) }
        released.forEachIndexed { index, c -> c.resumeHanded(index) }
        return parties - 1
    }

    override fun abort() = breakRound(true, "Barrier.wait(): the barrier was aborted")

    override fun reset() = breakRound(false, "Barrier.wait(): the barrier was reset")

    private fun breakRound(brokenAfter: Boolean, message: String) {
        val failed = synchronized(this) {
            broken = brokenAfter
            waiters.drain().map { it.fail(BrokenBarrierException(message)) to it.result as Throwable }
        }
        failed.forEach { (c, e) -> c.resumeFailed(e) }
    }

    override fun toString(): String = synchronized(this) {
        "Barrier[parties=$parties, waiting=${waiters.size}${if (broken) ", broken" else ""}]"
    }
}
