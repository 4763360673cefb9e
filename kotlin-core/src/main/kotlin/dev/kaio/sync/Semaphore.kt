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
 * permit and throws `CancellationException`. If the permits were handed to it at the same moment,
 * [acquire] returns normally holding them (the cancellation is seen at the next suspension
 * point), so permits are never lost; [withPermit] releases them in any case.
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
 * Overview: one atomic word holds the free permits and a "somebody waits" flag:
 *
 *     state = free shl 1 | WAITERS
 *
 * While the flag is clear, acquire and release are a single CAS on that word (the common case, as
 * cheap as kotlinx's semaphore). A caller that must wait takes the monitor, sets the flag with a CAS
 * from the state it inspected (so a concurrent fast release either lands before, and is seen, or
 * fails and retries under the monitor), and links itself. While the flag is set every change goes
 * through the monitor, which hands permits to waiters from the head while the head's request fits
 * (FIFO, also for several permits) and clears the flag when nobody is left.
 */
internal class SemaphoreImpl(initial: Int, private val bounded: Boolean) : Semaphore {
    private val size = initial
    private val state = AtomicLong(initial.toLong() shl 1)
    private val waiters = WaitList<Unit>()

    init {
        require(initial >= 0) { "permits < 0: $initial" }
    }

    override val availablePermits: Int get() = free(state.get()).toInt()

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
        val waiter: Waiter<Unit>
        synchronized(this) {
            while (true) {
                val s = state.get()
                if (!waiting(s) && free(s) >= permits) {
                    if (state.compareAndSet(s, s - (permits.toLong() shl 1))) return
                } else if (waiting(s) || state.compareAndSet(s, s or WAITERS)) {
                    break
                }
            }
            waiter = Waiter(permits)
            waiters.addLast(waiter)
        }
        park(this, waiters, waiter) { serve() }
    }

    private fun tryFast(permits: Int): Boolean {
        while (true) {
            val s = state.get()
            if (waiting(s) || free(s) < permits) return false
            if (state.compareAndSet(s, s - (permits.toLong() shl 1))) return true
        }
    }

    override fun tryAcquire(permits: Int): Boolean {
        checkCount(permits)
        return tryFast(permits)
    }

    override fun release(permits: Int) {
        require(permits >= 1) { "permits < 1: $permits" }
        while (true) {
            val s = state.get()
            if (waiting(s)) break
            checkBound(s, permits)
            if (state.compareAndSet(s, s + (permits.toLong() shl 1))) return
        }
        val woken = synchronized(this) {
            while (true) {
                val s = state.get()
                checkBound(s, permits)
                if (state.compareAndSet(s, s + (permits.toLong() shl 1))) break
            }
            serve()
        }
        for (i in woken.indices) woken[i].wake()
    }

    private fun checkBound(s: Long, permits: Int) = check(!bounded || free(s) + permits <= size) {
        "BoundedSemaphore released too many times: ${free(s)} free + $permits released > size $size"
    }

    /**
     * Under the monitor: hands permits to waiters from the head while the head's request fits, and
     * clears the flag once nobody waits.
     */
    private fun serve(): List<Waiter<*>> {
        var woken: Waiter<Unit>? = null
        var more: ArrayList<Waiter<*>>? = null
        while (true) {
            val head = waiters.first() ?: break
            val want = head.tag as Int
            if (want > free(state.get())) break
            waiters.removeFirst()
            if (!head.hand(Unit)) continue
            state.addAndGet(-(want.toLong() shl 1))
            if (woken == null) {
                woken = head
            } else {
                if (more == null) more = arrayListOf(woken)
                more.add(head)
            }
        }
        if (waiters.isEmpty) {
            while (true) {
                val s = state.get()
                if (!waiting(s) || state.compareAndSet(s, s and WAITERS.inv())) break
            }
        }
        return more ?: if (woken == null) emptyList() else listOf(woken)
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
