package dev.kaio.sync

import java.util.concurrent.BrokenBarrierException

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
        var released: List<Waiter<Int>> = emptyList()
        synchronized(this) {
            if (broken) throw BrokenBarrierException("Barrier.wait(): the barrier is broken (aborted)")
            if (waiters.size + 1 < parties) {
                val w = Waiter<Int>(null)
                waiters.addLast(w)
                waiter = w
            } else {
                // A waiter whose cancellation has begun (its handler waits for this monitor) no
                // longer counts; the round trips only with `parties` live callers.
                val live = waiters.drain().filter { w ->
                    val cancelled = w.cont?.isCancelled == true
                    if (cancelled) w.state = WITHDRAWN
                    !cancelled
                }
                if (live.size + 1 < parties) {
                    live.forEach { waiters.addLast(it) }
                    val w = Waiter<Int>(null)
                    waiters.addLast(w)
                    waiter = w
                } else {
                    // A cancellation that lands between the check above and the hand-off below
                    // loses to the trip: that caller passed the barrier and then sees its cancellation.
                    var index = 0
                    released = live.filter { it.hand(index++) }
                }
            }
        }
        // A waiter of a round that tripped and cancelled before resuming throws: the round stays passed
        // for the others (asyncio's rule), and there is nothing to hand back.
        waiter?.let { return park(this, waiters, it) { true } }
        released.forEach { it.wake() }
        return parties - 1
    }

    override fun abort() = breakRound(true, "Barrier.wait(): the barrier was aborted")

    override fun reset() = breakRound(false, "Barrier.wait(): the barrier was reset")

    private fun breakRound(brokenAfter: Boolean, message: String) {
        val failed = synchronized(this) {
            broken = brokenAfter
            waiters.drain().filter { it.fail(BrokenBarrierException(message)) }
        }
        failed.forEach { it.wake() }
    }

    override fun toString(): String = synchronized(this) {
        "Barrier[parties=$parties, waiting=${waiters.size}${if (broken) ", broken" else ""}]"
    }
}
