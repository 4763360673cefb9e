package dev.kaio

import java.util.TreeSet
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.Delay
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi

/*
 * Overview: the deadlines of the timeouts of one loop that owns its thread (`EventLoop.run`).
 *
 * A timeout schedules its deadline on its dispatcher (`Delay.invokeOnTimeout`). The loop's
 * dispatcher is runBlocking's event loop, which hands such timers to kotlinx's DefaultExecutor
 * thread, and a timer that becomes that thread's earliest wakes it up. In a run of timeouts that
 * each end before their deadline (the usual case: a timeout is a guard), every new timer was the
 * earliest, since the one before was gone: one wake-up of another thread per timeout, 1.8 of the
 * 4.0 µs of the Java facade's timeout (`TimeoutBenchmark`).
 *
 * LoopTimers keeps the loop's deadlines in a sorted set and arms one dispatcher timer, for the
 * earliest of them:
 *  - a deadline later than the armed timer only joins the set: no other thread hears of it;
 *  - a deadline earlier than it re-arms (what every timeout did before);
 *  - a deadline that is disposed leaves the set; the armed timer stays, fires for nothing and
 *    arms the next one. Disarming at each dispose would cost the very wake-ups saved here.
 *
 * Deadlines fire where and when they did before: on the thread that runs the dispatcher's timers,
 * at the same whole millisecond, not on the loop's thread, so a loop task that never suspends still
 * sees its deadline's cancellation in `isActive`.
 *
 * Lock order: a RunningTimeout's lock, then this one (a timeout schedules and disposes with its own
 * lock held). The actions run with no lock of this class held, since they take the timeout's.
 */

/**
 * The deadlines of one loop, armed on its dispatcher [delay] one at a time. Thread-safe; made and
 * [close]d by `runLoop`.
 */
@OptIn(InternalCoroutinesApi::class)
internal class LoopTimers(val delay: Delay) {
    private val lock = Any()
    private val pending = TreeSet<Deadline>()
    private var added = 0L

    /** The dispatcher timer that is armed, if any, and when it fires ([System.nanoTime]). */
    private var armed: Wakeup? = null
    private var armedAt = 0L
    private var closed = false

    /**
     * Runs [action] in [delayMillis] milliseconds, on the thread of [delay]'s timers, unless the
     * returned handle is disposed first. After [close], the timer is the dispatcher's own.
     */
    fun schedule(delayMillis: Long, action: Runnable): DisposableHandle {
        // Beyond a century (an infinite timeout), nanoTime arithmetic would overflow: the
        // dispatcher's timer decides what such a deadline means (kotlinx: never).
        if (delayMillis > MAX_DELAY_MILLIS) return delay.invokeOnTimeout(delayMillis, action, EmptyCoroutineContext)
        val at = System.nanoTime() + delayMillis * NANOS_PER_MILLI
        synchronized(lock) {
            if (closed) return delay.invokeOnTimeout(delayMillis, action, EmptyCoroutineContext)
            val deadline = Deadline(at, added++, action)
            pending.add(deadline)
            if (armed == null || at - armedAt < 0) arm(delayMillis, at)
            return deadline
        }
    }

    /** Disarms the dispatcher timer; later deadlines go to the dispatcher directly. */
    fun close() = synchronized(lock) {
        closed = true
        armed?.handle?.dispose()
        armed = null
    }

    /** How many deadlines wait; for tests. */
    internal val pendingCount: Int get() = synchronized(lock) { pending.size }

    /** Called with the lock held. */
    private fun arm(delayMillis: Long, at: Long) {
        armed?.handle?.dispose()
        val wakeup = Wakeup()
        armed = wakeup
        armedAt = at
        wakeup.handle = delay.invokeOnTimeout(delayMillis, wakeup, EmptyCoroutineContext)
    }

    /** A dispatcher timer fired: runs the deadlines that are due and arms one for the next. */
    private fun fireDue(wakeup: Wakeup) {
        var due: ArrayList<Runnable>? = null
        synchronized(lock) {
            if (wakeup === armed) armed = null
            val now = System.nanoTime()
            while (true) {
                val first = pending.firstOrNull() ?: break
                if (first.at - now > 0) {
                    if (!closed && (armed == null || first.at - armedAt < 0)) arm(millisUntil(first.at, now), first.at)
                    break
                }
                pending.pollFirst()
                (due ?: ArrayList<Runnable>().also { due = it }).add(first.action)
            }
        }
        due?.forEach { it.run() }
    }

    /** Whole milliseconds from [now] to [at], rounded up as `delay` rounds them. */
    private fun millisUntil(at: Long, now: Long): Long = (at - now + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI

    /** One deadline in [pending]; ordered by time, then by when it was added. */
    private inner class Deadline(val at: Long, private val order: Long, val action: Runnable) :
        Comparable<Deadline>, DisposableHandle {
        override fun compareTo(other: Deadline): Int {
            val byTime = at - other.at // nanoTime values are compared by difference, as its KDoc asks
            return if (byTime != 0L) byTime.compareTo(0L) else order.compareTo(other.order)
        }

        override fun dispose() {
            synchronized(lock) { pending.remove(this) }
        }
    }

    /** The armed dispatcher timer; its own object, so that a timer replaced while it fired is told apart. */
    private inner class Wakeup : Runnable {
        var handle: DisposableHandle? = null

        override fun run() = fireDue(this)
    }

    private companion object {
        const val NANOS_PER_MILLI = 1_000_000L
        const val MAX_DELAY_MILLIS = Long.MAX_VALUE / 4 / NANOS_PER_MILLI
    }
}
