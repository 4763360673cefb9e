package dev.kaio.sync

import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.InvocationKind
import kotlin.contracts.contract
import java.util.concurrent.atomic.AtomicLong

/**
 * A counting semaphore for coroutines, asyncio's `Semaphore` and `BoundedSemaphore`.
 *
 * **Permits.** [acquire] takes permits, waiting while too few are free; [release] gives them back.
 * As in asyncio, a plain [Semaphore] accepts releases beyond its initial value (the count simply
 * grows); a [BoundedSemaphore] throws instead. Permits have no owner: any task may release.
 *
 * **Fairness.** Strictly first-in, first-out, also with several permits: a waiter for 3 permits at
 * the head of the queue holds back a later waiter for 1, so large requests are never starved.
 * [tryAcquire] succeeds only when nobody waits.
 *
 * **Cancellation.** A caller cancelled while waiting in [acquire] leaves the queue without any
 * permit and throws `CancellationException`; a head request that leaves lets the requests it held
 * back be served. If the permits had already been handed to it but the caller had not resumed
 * yet, [acquire] still throws (prompt cancellation) and releases them to the next waiters, so a
 * cancelled acquire never keeps a permit and the block of [withPermit] does not run; [withPermit]
 * releases the permits when its block ends in any way.
 *
 * **Memory.** A release happens-before the acquire that takes the released permits.
 *
 * **Misuse.** A permit count below 1 throws [IllegalArgumentException]; releasing a
 * [BoundedSemaphore] past its size throws [IllegalStateException] with the count.
 *
 * Compared with kotlinx's `Semaphore`: multi-permit acquire, releases beyond the initial value,
 * and a bounded variant.
 */
public interface Semaphore {
    /** Permits free right now. */
    public val availablePermits: Int

    /** Takes [permits] permits, waiting (FIFO) until that many are free. */
    public suspend fun acquire(permits: Int = 1)

    /** Takes [permits] permits if they are free and nobody waits; never suspends. */
    public fun tryAcquire(permits: Int = 1): Boolean

    /**
     * Gives back [permits] permits and serves the waiters that they satisfy, first to last.
     *
     * @throws IllegalStateException for a [BoundedSemaphore] that would exceed its size.
     */
    public fun release(permits: Int = 1)
}

/** Creates a [Semaphore] with [permits] free permits (0 or more); releases may exceed it. */
public fun Semaphore(permits: Int): Semaphore = SemaphoreImpl(permits, bounded = false)

/** Creates a semaphore with [permits] free permits that throws when released beyond them. */
public fun BoundedSemaphore(permits: Int): Semaphore = SemaphoreImpl(permits, bounded = true)

/** Runs [block] holding [permits] permits of [this] semaphore, releasing them in any case. */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <T> Semaphore.withPermit(permits: Int = 1, block: () -> T): T {
    contract { callsInPlace(block, InvocationKind.EXACTLY_ONCE) }
    acquire(permits)
    try {
        return block()
    } finally {
        release(permits)
    }
}

/*
 * Overview: one atomic word holds the free permits and a "somebody may wait" flag:
 *
 *     state = free shl 1 | WAITERS
 *
 * The flag is set (under the monitor) before a waiter is linked and cleared (under the monitor)
 * only when no waiter is left, so "flag clear" means "nobody waits".
 *
 * - acquire/tryAcquire, flag clear: one CAS taking the permits (the common, uncontended case).
 * - release of a plain semaphore: one getAndAdd, whatever the flag. If the flag was set, the
 *   releaser then takes the monitor and hands the permits to the waiters ([settle]). Between the
 *   getAndAdd and that hand-off the word shows permits that, by FIFO, already belong to waiters, so
 *   every reader that finds the flag set settles first under the monitor (acquire, tryAcquire,
 *   availablePermits, a withdrawing waiter): nobody ever sees or takes those permits, and the
 *   release is linearized at its getAndAdd.
 * - release of a bounded semaphore: a CAS that checks the bound, under the monitor if the flag is
 *   set, so the bound is always checked against settled permits.
 * - a caller that must wait takes the monitor, settles, and either takes the permits (flag clear
 *   and enough free) or sets the flag with a CAS from the state it inspected and links itself.
 */
internal class SemaphoreImpl(initial: Int, private val bounded: Boolean) : Semaphore {
    private val size = initial
    private val state = AtomicLong(initial.toLong() shl 1)
    private val waiters = WaitList<Unit>()

    init {
        require(initial >= 0) { "permits < 0: $initial" }
    }

    override val availablePermits: Int
        get() {
            val s = state.get()
            if (!waiting(s)) return free(s).toInt()
            val woken = ArrayList<Waiter<*>>(2)
            val settled = synchronized(this) { settle(woken) }
            wakeAll(woken)
            return free(settled).toInt()
        }

    private fun checkCount(permits: Int) {
        require(permits >= 1) { "permits < 1: $permits" }
        require(!bounded || permits <= size) { "permits > size of the BoundedSemaphore ($size): $permits" }
    }

    override suspend fun acquire(permits: Int) {
        checkCount(permits)
        if (tryFast(permits)) return
        // A tail call: acquire itself then needs no state machine, so the fast path allocates nothing.
        return acquireSlow(permits)
    }

    private suspend fun acquireSlow(permits: Int) {
        var waiter: Waiter<Unit>? = null
        val woken = ArrayList<Waiter<*>>(2)
        synchronized(this) {
            var s = settle(woken)
            while (true) {
                if (waiting(s)) break // a waiter is left at the head: queue behind it
                if (free(s) >= permits) {
                    if (state.compareAndSet(s, s - (permits.toLong() shl 1))) break
                } else if (state.compareAndSet(s, s or WAITERS)) {
                    s = s or WAITERS
                    break
                }
                s = state.get()
            }
            if (waiting(s)) waiter = Waiter<Unit>(permits).also { waiters.addLast(it) }
        }
        wakeAll(woken)
        val w = waiter ?: return
        park(this, waiters, w, { ArrayList<Waiter<*>>(2).also { settle(it) } }) {
            // Handed the permits and cancelled before resuming: they go to the next waiters.
            release(permits)
            true
        }
    }

    /** One CAS loop while nobody waits; false if somebody may wait or too few permits are free. */
    private fun tryFast(permits: Int): Boolean {
        while (true) {
            val s = state.get()
            if (waiting(s) || free(s) < permits) return false
            if (state.compareAndSet(s, s - (permits.toLong() shl 1))) return true
        }
    }

    override fun tryAcquire(permits: Int): Boolean {
        checkCount(permits)
        while (true) {
            val s = state.get()
            if (waiting(s)) break
            if (free(s) < permits) return false
            if (state.compareAndSet(s, s - (permits.toLong() shl 1))) return true
        }
        val woken = ArrayList<Waiter<*>>(2)
        var taken = false
        synchronized(this) {
            var s = settle(woken)
            while (!waiting(s) && free(s) >= permits) {
                if (state.compareAndSet(s, s - (permits.toLong() shl 1))) {
                    taken = true
                    break
                }
                s = state.get()
            }
        }
        wakeAll(woken)
        return taken
    }

    override fun release(permits: Int) {
        require(permits >= 1) { "permits < 1: $permits" }
        if (!bounded) {
            if (!waiting(state.getAndAdd(permits.toLong() shl 1))) return
        } else {
            while (true) {
                val s = state.get()
                if (waiting(s)) break
                checkBound(s, permits)
                if (state.compareAndSet(s, s + (permits.toLong() shl 1))) return
            }
        }
        val woken = ArrayList<Waiter<*>>(2)
        synchronized(this) {
            if (bounded) {
                while (true) {
                    val s = state.get()
                    checkBound(s, permits)
                    if (state.compareAndSet(s, s + (permits.toLong() shl 1))) break
                }
            }
            settle(woken)
        }
        wakeAll(woken)
    }

    private fun checkBound(s: Long, permits: Int) = check(!bounded || free(s) + permits <= size) {
        "BoundedSemaphore released too many times: ${free(s)} free + $permits released > size $size"
    }

    /**
     * Under the monitor: hands the free permits to the waiters from the head while the head's
     * request fits (adding them to [woken], to be resumed outside the monitor) and clears the flag
     * once nobody waits. Returns the state it ended on: at that moment either nobody waits (flag
     * clear) or the head's request does not fit in the free permits.
     */
    private fun settle(woken: MutableList<Waiter<*>>): Long {
        while (true) {
            val s = state.get()
            val head = waiters.first()
            if (head == null) {
                if (!waiting(s)) return s
                if (state.compareAndSet(s, s and WAITERS.inv())) return s and WAITERS.inv()
                continue
            }
            val want = head.tag as Int
            if (want > free(s)) return s
            waiters.removeFirst()
            if (!head.hand(Unit)) continue
            state.addAndGet(-(want.toLong() shl 1))
            woken.add(head)
        }
    }

    private fun wakeAll(woken: List<Waiter<*>>) {
        for (i in woken.indices) woken[i].wake()
    }

    private companion object {
        const val WAITERS = 1L
        fun waiting(s: Long) = (s and WAITERS) != 0L
        fun free(s: Long) = s ushr 1
    }

    override fun toString(): String = synchronized(this) {
        "${if (bounded) "BoundedSemaphore" else "Semaphore"}[free=${free(state.get())}, waiting=${waiters.size}]"
    }
}
