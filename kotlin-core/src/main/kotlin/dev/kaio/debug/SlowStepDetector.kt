package dev.kaio.debug

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.locks.LockSupport
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.nanoseconds
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.ThreadContextElement
import org.slf4j.LoggerFactory

/*
 * Overview: catching a step that blocks, while it blocks.
 *
 * Each thread that runs a step of a watched task has one `Slot` (a thread-local, registered once
 * in a global set). Entering a step (`updateThreadContext`) writes the start time and the task's
 * context into the slot; leaving it (`restoreThreadContext`) clears them: two clock reads and a few
 * field writes per step, no allocation unless steps nest (runBlocking inside a step).
 *
 *   idle (start = 0) --step begins--> running(start = nanoTime) --step ends--> idle
 *                                        |
 *                        watchdog sees now - start > threshold, once per start:
 *                        samples thread.stackTrace, re-checks start, reports "blocking"
 *
 * One daemon watchdog thread for the JVM wakes every [SlowStepDetector.WATCHDOG_TICK] while any slot
 * exists and samples only the steps that are over their threshold, so the stack it reports is the
 * one the thread is blocked in (asyncio can only say afterwards that a callback was slow).
 */

/**
 * What [SlowStepDetector] saw: a step of the task [taskName] holding [threadName] for [duration].
 *
 * Reported twice for one slow step: while it still runs ([finished] false, [duration] so far,
 * [stack] the blocked thread's stack at that moment, innermost frame first), and when it ends
 * ([finished] true, the step's whole duration, the stack sampled earlier if the watchdog got one).
 */
public class SlowStep internal constructor(
    public val taskName: String,
    public val threadName: String,
    public val duration: Duration,
    public val stack: List<StackTraceElement>,
    public val finished: Boolean,
) {
    override fun toString(): String = buildString {
        if (finished) append("Executing task '$taskName' took $duration on $threadName")
        else append("Task '$taskName' has been blocking $threadName for $duration")
        stack.forEach { append("\n\tat ").append(it) }
    }
}

/** Receives the reports of a [SlowStepDetector]; called from the watchdog thread or the task's thread. */
public fun interface SlowStepListener {
    public fun onSlowStep(step: SlowStep)
}

/**
 * asyncio's slow-callback warning for any dispatcher: a coroutine-context element that reports
 * every step of a task (from a resume to the next suspension) that holds its thread longer than
 * [threshold], with the stack of the thread captured **while it is still blocked**.
 *
 * ```
 * val detector = SlowStepDetector()               // 100 ms, warnings through SLF4J
 * scope.launch(Dispatchers.Default + detector) { … } // children inherit it
 * ```
 * `EventLoop.run(debug = true)` installs one on the loop.
 *
 * **Cost.** Per step: two `System.nanoTime()` calls, a thread-local read and a few field writes;
 * the watchdog thread wakes every [WATCHDOG_TICK] and reads one slot per thread that ever ran a
 * watched step. Cheap enough to leave on; measure your own workload.
 *
 * **Accuracy.** The stack is sampled between [threshold] and [threshold] + [WATCHDOG_TICK] into
 * the step. Steps are per thread: a task that blocks inside `runBlocking` reports the inner steps
 * as its own.
 *
 * @param threshold steps longer than this are reported (asyncio's `slow_callback_duration`)
 * @param listener where reports go; by default a warning through SLF4J (logger `dev.kaio.debug.SlowStepDetector`)
 * @throws IllegalArgumentException if [threshold] is not positive
 */
public class SlowStepDetector(
    public val threshold: Duration = 100.milliseconds,
    private val listener: SlowStepListener = LogListener,
) : AbstractCoroutineContextElement(Key), ThreadContextElement<Any?> {
    /** The context key. */
    public companion object Key : CoroutineContext.Key<SlowStepDetector> {
        /** How often the watchdog looks at running steps. */
        public val WATCHDOG_TICK: Duration = 10.milliseconds
    }

    init {
        require(threshold.isPositive()) { "threshold must be positive: $threshold" }
    }

    private val thresholdNanos = threshold.inWholeNanoseconds

    override fun updateThreadContext(context: CoroutineContext): Any? {
        val slot = Slot.mine()
        val running = slot.start.get()
        val nested = if (running != 0L) Nested(running, slot.context, slot.detector) else null
        slot.context = context
        slot.detector = this
        // a release store, no fence: the watchdog reads `start` first, then sees the fields above
        slot.start.lazySet(System.nanoTime() or 1L) // never 0, which means idle
        return nested
    }

    override fun restoreThreadContext(context: CoroutineContext, oldState: Any?) {
        val slot = Slot.mine()
        val start = slot.start.get()
        val took = System.nanoTime() - start
        if (oldState is Nested) {
            slot.context = oldState.context
            slot.detector = oldState.detector
            slot.start.lazySet(oldState.start)
        } else {
            slot.start.lazySet(0L)
        }
        if (took > thresholdNanos) {
            val sample = slot.sample
            val stack = if (sample != null && sample.step == start) sample.stack else emptyList()
            report(SlowStep(nameOf(context), Thread.currentThread().name, took.nanoseconds, stack, finished = true))
        }
    }

    internal fun report(step: SlowStep) {
        runCatching { listener.onSlowStep(step) }
    }

    override fun toString(): String = "SlowStepDetector($threshold)"

    private class Nested(val start: Long, val context: CoroutineContext?, val detector: SlowStepDetector?)

    /** A stack the watchdog sampled during the step that started at [step]. */
    private class Sample(val step: Long, val stack: List<StackTraceElement>)

    private object LogListener : SlowStepListener {
        private val log = LoggerFactory.getLogger(SlowStepDetector::class.java)
        override fun onSlowStep(step: SlowStep) = log.warn("{}", step)
    }

    /** One thread's current step, written by that thread, read by the watchdog. */
    private class Slot(val thread: Thread) {
        // Only `start` is ordered (written with release, read with acquire); the other fields are
        // written before it by the slot's thread, so the watchdog sees them once it saw `start`.
        // A step is identified by its start time (nanoTime, odd, increasing on one thread): a stale
        // read of the others is caught by re-reading `start` after sampling.
        val start = AtomicLong()
        var context: CoroutineContext? = null
        var detector: SlowStepDetector? = null
        @Volatile var sample: Sample? = null // written by the watchdog
        var reportedStep = 0L // the watchdog's own

        companion object {
            private val slots = ConcurrentHashMap.newKeySet<Slot>()
            private val local = ThreadLocal.withInitial {
                Slot(Thread.currentThread()).also { slots += it; Watchdog.ensureStarted() }
            }

            fun mine(): Slot = local.get()

            fun all(): MutableSet<Slot> = slots
        }
    }

    private object Watchdog : Runnable {
        @Volatile private var started = false

        fun ensureStarted() {
            if (started) return
            synchronized(this) {
                if (started) return
                Thread(this, "kaio-slow-step-watchdog").apply { isDaemon = true; start() }
                started = true
            }
        }

        override fun run() {
            val tick = WATCHDOG_TICK.inWholeNanoseconds
            while (true) {
                LockSupport.parkNanos(tick)
                val slots = Slot.all()
                slots.removeIf { !it.thread.isAlive }
                for (slot in slots) check(slot)
            }
        }

        private fun check(slot: Slot) {
            val start = slot.start.get()
            if (start == 0L || start == slot.reportedStep) return
            val detector = slot.detector ?: return
            val context = slot.context ?: return
            val running = System.nanoTime() - start
            if (running <= detector.thresholdNanos) return
            val stack = slot.thread.stackTrace.asList()
            if (slot.start.get() != start) return // the step ended while we sampled: the stack is of something else
            slot.reportedStep = start
            slot.sample = Sample(start, stack)
            detector.report(SlowStep(nameOf(context), slot.thread.name, running.nanoseconds, stack, finished = false))
        }
    }
}

private fun nameOf(context: CoroutineContext): String = context[CoroutineName]?.name ?: "unnamed"
