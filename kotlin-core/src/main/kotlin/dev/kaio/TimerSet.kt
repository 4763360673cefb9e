package dev.kaio

import java.util.TreeSet
import java.util.concurrent.ScheduledThreadPoolExecutor
import java.util.concurrent.TimeUnit
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.Delay
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.asCoroutineDispatcher
import org.slf4j.LoggerFactory

/*
 * Overview: where the deadlines of timeouts wait (Timeout.kt's RunningTimeout picks the set).
 *
 * A timer that becomes the earliest of its thread wakes that thread up. In a run of timeouts that
 * each end before their deadline (the usual case: a timeout is a guard), every new timer was the
 * earliest, since the one before was gone: one wake-up of another thread per timeout.
 *  - In an `EventLoop`, the dispatcher is runBlocking's event loop, which hands `invokeOnTimeout`
 *    to kotlinx's DefaultExecutor thread: 1.8 of the 4.0 µs of the Java facade's timeout.
 *  - On a dispatcher that cannot schedule (`Dispatchers.Default`, `Dispatchers.IO`), the timer was
 *    a child coroutine that slept until the deadline: 3.9 µs and 2 KB a timeout, 5.5x `withTimeout`.
 *  (TimeoutBenchmark; benchmarks/README.md, "Timeouts".)
 *
 * A TimerSet keeps deadlines in a sorted set and arms one timer of a [Delay], for the earliest:
 *  - a deadline later than the armed timer only joins the set: no other thread hears of it;
 *  - a deadline earlier than it re-arms (what every timeout did before);
 *  - a deadline that is disposed leaves the set; the armed timer stays, fires for nothing and
 *    arms the next one. Disarming at each dispose would cost the very wake-ups saved here.
 *
 * Each loop that owns its thread has a set armed on its dispatcher (so deadlines fire where and
 * when they did before: on DefaultExecutor, at the same whole millisecond, not on the loop's
 * thread, and a loop task that never suspends still sees its deadline in `isActive`). Dispatchers
 * that cannot schedule share [TimerSet.shared], armed on a daemon thread of Kaio's, `kaio-timer`.
 * A dispatcher that schedules timers of its own (a test dispatcher's virtual time, a scheduled
 * executor) gets its deadlines directly, as before.
 *
 * Lock order: a RunningTimeout's lock, then this one (a timeout schedules and disposes with its own
 * lock held). The actions run with no lock of this class held, since they take the timeout's.
 */

/**
 * Deadlines armed on [delay]'s timer one at a time. Thread-safe. A loop's set is made and
 * [close]d by `runLoop`; [shared] is never closed.
 */
@OptIn(InternalCoroutinesApi::class)
internal class TimerSet(val delay: Delay) {
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
        due?.forEach { action ->
            // One failing action must not keep the others that are due from running.
            try {
                action.run()
            } catch (failure: Throwable) {
                log.error("A deadline's action failed", failure)
            }
        }
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

    companion object {
        private const val NANOS_PER_MILLI = 1_000_000L
        private const val MAX_DELAY_MILLIS = Long.MAX_VALUE / 4 / NANOS_PER_MILLI
        private val log = LoggerFactory.getLogger(TimerSet::class.java)

        /** For dispatchers without a timer: armed on the daemon thread `kaio-timer`, made on first use. */
        val shared: TimerSet by lazy { TimerSet(timerThread("kaio-timer", idleTimeoutMillis = 1_000)) }

        /**
         * A timer on a daemon thread of its own, which ends once no timer has been armed for
         * [idleTimeoutMillis] (as kotlinx's DefaultExecutor does) and starts again when one is: an
         * idle application keeps no Kaio thread, and an unloaded class loader leaks none.
         */
        internal fun timerThread(name: String, idleTimeoutMillis: Long): Delay {
            val executor = ScheduledThreadPoolExecutor(1) { task -> Thread(task, name).apply { isDaemon = true } }
            executor.removeOnCancelPolicy = true // a re-armed timer leaves the queue at once
            executor.setKeepAliveTime(idleTimeoutMillis, TimeUnit.MILLISECONDS)
            executor.allowCoreThreadTimeOut(true) // the thread waits while a timer is armed, ends when none is
            return executor.asCoroutineDispatcher() as Delay
        }
    }
}
