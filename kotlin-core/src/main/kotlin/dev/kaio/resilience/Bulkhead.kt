package dev.kaio.resilience

import java.util.concurrent.RejectedExecutionException
import kotlin.time.Duration
import kotlin.coroutines.resume
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Thrown by [Bulkhead.call] when the bulkhead already runs its maximum of calls and its waiting
 * line is full, or when a call waited in line longer than [BulkheadBuilder.maxWaitTime] (the message
 * then says it timed out). A [RejectedExecutionException]: the call was never started.
 */
public class BulkheadFullException internal constructor(message: String) : RejectedExecutionException(message)

/**
 * Limits how many calls run at once, so that one slow dependency cannot take every task (the
 * bulkheads of a ship): at most [BulkheadBuilder.maxConcurrentCalls] run; up to
 * [BulkheadBuilder.maxWaitingCalls] more wait in line, each at most
 * [BulkheadBuilder.maxWaitTime]; beyond that a call fails at once with [BulkheadFullException], and
 * a call that waited too long fails with it when its time is up.
 *
 * ```
 * val bulkhead = Bulkhead { maxConcurrentCalls = 8; maxWaitingCalls = 100 }
 * val listing = bulkhead.call { products.page(n) }
 * ```
 *
 * Like a [kotlinx.coroutines.sync.Semaphore] with a bounded queue and rejection; unlike
 * Resilience4j's Kotlin `Bulkhead`, which waits with `withContext(Dispatchers.IO)`, waiting here
 * suspends and holds no thread.
 *
 * **Fairness.** Waiters get a freed slot first in, first out; a new call never overtakes a waiter.
 *
 * **Cancellation.** A waiter cancelled in line resumes at once with `CancellationException` and
 * keeps no slot (a slot handed to it at the same moment goes to the next waiter). A running call
 * that is cancelled frees its slot like any finished call. A waiter that times out leaves the line
 * the same way.
 *
 * **Time.** The maximum wait is a `delay` on the caller's dispatcher, so it runs on virtual time
 * in tests.
 *
 * Thread-safe.
 */
public interface Bulkhead : ResiliencePolicy {
    /** Calls running now. */
    public val activeCalls: Int

    /** Calls waiting for a slot now. */
    public val waitingCalls: Int

    /**
     * Runs [block] when a slot is free, waiting in line if needed.
     *
     * @throws BulkheadFullException at once when all slots and the waiting line are taken, or
     *   after [BulkheadBuilder.maxWaitTime] in line without a slot.
     * @throws CancellationException if the caller is cancelled while waiting or running.
     */
    override suspend fun <T> call(block: suspend () -> T): T
}

/**
 * Creates a [Bulkhead].
 *
 * @throws IllegalArgumentException naming the setting: `maxConcurrentCalls` below 1,
 *   `maxWaitingCalls` or `maxWaitTime` negative.
 */
public fun Bulkhead(configure: BulkheadBuilder.() -> Unit): Bulkhead = BulkheadBuilder().apply(configure).build()

/** Settings of a [Bulkhead]; validated when it is built. */
public class BulkheadBuilder internal constructor() {
    /** Calls that may run at once; at least 1. Default 10. */
    public var maxConcurrentCalls: Int = 10

    /** Calls that may wait for a slot; 0 (default) rejects as soon as all slots are taken. */
    public var maxWaitingCalls: Int = 0

    /**
     * Longest time a call waits in line for a slot; a call still waiting then fails with
     * [BulkheadFullException]. Not negative; `null` (default): no limit.
     */
    public var maxWaitTime: Duration? = null

    internal fun build(): Bulkhead {
        require(maxConcurrentCalls >= 1) { "maxConcurrentCalls < 1: $maxConcurrentCalls" }
        require(maxWaitingCalls >= 0) { "maxWaitingCalls < 0: $maxWaitingCalls" }
        maxWaitTime?.let { require(!it.isNegative()) { "maxWaitTime is negative: $it" } }
        return RealBulkhead(maxConcurrentCalls, maxWaitingCalls, maxWaitTime)
    }
}

/*
 * Overview: a counter of running calls and a FIFO of waiters under one lock. A finishing call hands
 * its slot straight to the head waiter (marking it granted under the lock) instead of freeing it, so
 * a newcomer cannot overtake. A waiter cancelled after it was granted passes the slot on.
 */
private class RealBulkhead(
    private val maxConcurrent: Int,
    private val maxWaiting: Int,
    private val maxWait: Duration?,
) : Bulkhead {
    private class Waiter {
        var granted = false
        var parked: CancellableContinuation<Unit>? = null
    }

    private val lock = Any()
    private var active = 0
    private val waiters = ArrayDeque<Waiter>()

    override val activeCalls: Int get() = synchronized(lock) { active }
    override val waitingCalls: Int get() = synchronized(lock) { waiters.size }

    override suspend fun <T> call(block: suspend () -> T): T {
        var me: Waiter? = null
        synchronized(lock) {
            if (active < maxConcurrent && waiters.isEmpty()) {
                active++
            } else if (waiters.size < maxWaiting) {
                me = Waiter().also { waiters.addLast(it) }
            } else {
                throw BulkheadFullException(
                    "Bulkhead full: $active calls running and ${waiters.size} waiting " +
                        "(maxConcurrentCalls=$maxConcurrent, maxWaitingCalls=$maxWaiting)",
                )
            }
        }
        me?.let { awaitSlot(it) }
        try {
            return block()
        } finally {
            release()
        }
    }

    private suspend fun awaitSlot(me: Waiter) {
        if (maxWait == null) return park(me)
        // On timeout park() leaves the line (or passes on a slot granted at that moment) like a
        // cancelled waiter; the caller's own cancellation is rethrown by withTimeoutOrNull.
        withTimeoutOrNull(maxWait) { park(me) }
            ?: throw BulkheadFullException(
                "Bulkhead timed out after waiting $maxWait for a slot (maxConcurrentCalls=$maxConcurrent, maxWaitTime=$maxWait)",
            )
    }

    private suspend fun park(me: Waiter) {
        try {
            suspendCancellableCoroutine<Unit> { continuation ->
                val granted = synchronized(lock) {
                    if (!me.granted) me.parked = continuation
                    me.granted
                }
                if (granted) continuation.resume(Unit)
            }
        } catch (cancelled: CancellationException) {
            val passOn = synchronized(lock) {
                if (!me.granted) waiters.remove(me)
                me.granted
            }
            if (passOn) release()
            throw cancelled
        }
    }

    private fun release() {
        val next = synchronized(lock) {
            val waiter = waiters.removeFirstOrNull()
            if (waiter == null) {
                active--
                null
            } else {
                waiter.granted = true
                waiter.parked.also { waiter.parked = null }
            }
        }
        next?.resume(Unit)
    }

    override fun toString(): String =
        "Bulkhead(maxConcurrentCalls=$maxConcurrent, maxWaitingCalls=$maxWaiting, maxWaitTime=$maxWait)"
}
