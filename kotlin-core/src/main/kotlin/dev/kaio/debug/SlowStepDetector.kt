package dev.kaio.debug

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.locks.LockSupport
import kotlin.coroutines.CoroutineContext
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.nanoseconds
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.Delay
import kotlinx.coroutines.InternalCoroutinesApi
import org.slf4j.LoggerFactory

/*
 * Overview: catching a step that blocks, while it blocks.
 *
 * The detector wraps a dispatcher: every Runnable that kotlinx dispatches is one step of a task
 * (from a resume to the next suspension), so the wrapper runs it inside a `Step` that marks the
 * thread's `Slot` busy. Each thread that runs a step has one `Slot` (a thread-local, registered
 * once in a global set). Entering a step writes a new step number and the task's context into the
 * slot; leaving it marks the slot idle: a thread-local read, a few field writes and one small
 * allocation (the `Step`) per step, and no clock read: the watchdog times steps by its ticks. Nothing is added to the coroutine context, so kotlinx
 * pays nothing extra on resume (a ThreadContextElement, the first design, cost 1.5x on a
 * yield-heavy benchmark).
 *
 *   idle (n, 0) --step begins--> running (n + 1, RUNNING) --step ends--> idle (n + 1, 0)
 *                                        |
 *                 watchdog has seen this state for longer than threshold, once per step:
 *                 samples thread.stackTrace, re-checks the state, reports "blocking"
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
 * asyncio's slow-callback warning for any dispatcher: reports every step of a task (from a resume
 * to the next suspension) that holds its thread longer than [threshold], with the stack of the
 * thread captured **while it is still blocked**.
 *
 * ```
 * val detector = SlowStepDetector()                      // 100 ms, warnings through SLF4J
 * scope.launch(detector.wrap(Dispatchers.Default)) { … } // children inherit the dispatcher
 * ```
 * `EventLoop.run(debug = true)` wraps the loop's own dispatcher with one.
 *
 * **What is watched.** Steps that the wrapped dispatcher runs. A task that moves to another
 * dispatcher (`withContext(Dispatchers.IO)`) is not watched there; wrap that one too if needed. A
 * dispatcher that runs some resumes in place (`isDispatchNeeded` false, such as
 * `Dispatchers.Unconfined`) runs those steps unwatched.
 *
 * **Cost.** Per step: a thread-local read, a few field writes and one small object, no clock
 * read; the watchdog thread wakes every [WATCHDOG_TICK] and reads one slot per thread that ever
 * ran a watched step. Cheap enough to leave on; see `benchmarks/README.md` for figures.
 *
 * **Accuracy.** Steps are timed by the watchdog's ticks: a step is reported once the watchdog has
 * seen it running for longer than [threshold], so every step longer than [threshold] +
 * [WATCHDOG_TICK] is reported (a shorter one over [threshold] may not be), with the stack sampled
 * at that moment; reported durations are at most one [WATCHDOG_TICK] above the true one. A step
 * that runs a nested loop (`runBlocking`) on a watched dispatcher is timed afresh after it.
 *
 * **Failures** of the listener are swallowed, so a faulty listener never breaks the watched task.
 *
 * @param threshold steps longer than this are reported (asyncio's `slow_callback_duration`)
 * @param listener where reports go; by default a warning through SLF4J (logger `dev.kaio.debug.SlowStepDetector`)
 * @throws IllegalArgumentException if [threshold] is not positive
 */
public class SlowStepDetector(
    public val threshold: Duration = 100.milliseconds,
    private val listener: SlowStepListener = LogListener,
) {
    public companion object {
        /** How often the watchdog looks at running steps. */
        public val WATCHDOG_TICK: Duration = 10.milliseconds
    }

    init {
        require(threshold.isPositive()) { "threshold must be positive: $threshold" }
    }

    private val thresholdNanos = threshold.inWholeNanoseconds

    /**
     * [dispatcher], with every step it runs watched by this detector. Delays scheduled on the
     * result use [dispatcher]'s own timer when it has one (as `runBlocking`'s loop does), so
     * wrapping changes no timing. Wrapping twice watches twice.
     */
    public fun wrap(dispatcher: CoroutineDispatcher): CoroutineDispatcher =
        @OptIn(InternalCoroutinesApi::class)
        if (dispatcher is Delay) DelayingWatchedDispatcher(dispatcher, this, dispatcher) else WatchedDispatcher(dispatcher, this)

    /** Runs [block] as one watched step of the task with [context] on the calling thread. */
    internal fun runStep(context: CoroutineContext, block: Runnable) {
        val slot = Slot.mine()
        // a step may run a nested loop (runBlocking) whose steps are watched too: keep the outer one
        val outer = slot.state.get()
        val outerContext = slot.context
        val outerDetector = slot.detector
        slot.context = context
        slot.detector = this
        val step = ((outer ushr 1) + 1 shl 1) or RUNNING
        // a release store, no fence: the watchdog reads `state` first, then sees the fields above
        slot.state.lazySet(step)
        try {
            block.run()
        } finally {
            if (outer and RUNNING != 0L) {
                // the outer step goes on, as a new step: the watchdog times it from now
                slot.context = outerContext
                slot.detector = outerDetector
                slot.state.lazySet(((step ushr 1) + 1 shl 1) or RUNNING)
            } else {
                slot.state.lazySet(step and RUNNING.inv())
            }
            val sample = slot.sample
            if (sample != null && sample.step == step) {
                val took = System.nanoTime() - sample.startedAfter
                report(SlowStep(nameOf(context), Thread.currentThread().name, took.nanoseconds, sample.stack, finished = true))
            }
        }
    }

    internal fun report(step: SlowStep) {
        runCatching { listener.onSlowStep(step) }
    }

    override fun toString(): String = "SlowStepDetector($threshold)"

    /** A stack the watchdog sampled during [step], which started after [startedAfter] (nanoTime). */
    private class Sample(val step: Long, val startedAfter: Long, val stack: List<StackTraceElement>)

    private object LogListener : SlowStepListener {
        private val log = LoggerFactory.getLogger(SlowStepDetector::class.java)
        override fun onSlowStep(step: SlowStep) = log.warn("{}", step)
    }

    /** One thread's current step, written by that thread, read by the watchdog. */
    private class Slot(val thread: Thread) {
        // Only `state` is ordered (written with release, read with acquire); the other fields are
        // written before it by the slot's thread, so the watchdog sees them once it saw `state`.
        // `state` is a step number (shifted left) and a RUNNING bit; each step has a new number, so
        // a stale read of the other fields is caught by re-reading `state` after sampling.
        val state = AtomicLong()
        var context: CoroutineContext? = null
        var detector: SlowStepDetector? = null
        @Volatile var sample: Sample? = null // written by the watchdog

        // the watchdog's own: the state it saw, the tick it first saw it at, the tick before
        var seenState = 0L
        var firstSeenAt = 0L
        var lastTickAt = System.nanoTime()
        var startedAfter = lastTickAt
        var reportedState = 0L

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

        /*
         * The step's start is not recorded (that would cost two clock reads per step): the watchdog
         * knows that a step it sees for the first time at tick t started after the tick before, so
         * it reports once `now - t` (a lower bound of the step's time) exceeds the threshold, and
         * gives the duration as `now - tick before t` (an upper bound, at most one tick more).
         */
        private fun check(slot: Slot) {
            val now = System.nanoTime()
            val state = slot.state.get()
            if (state != slot.seenState) {
                slot.seenState = state
                slot.startedAfter = slot.lastTickAt
                slot.firstSeenAt = now
            }
            slot.lastTickAt = now
            if (state and RUNNING == 0L || state == slot.reportedState) return
            val detector = slot.detector ?: return
            val context = slot.context ?: return
            if (now - slot.firstSeenAt <= detector.thresholdNanos) return
            val stack = slot.thread.stackTrace.asList()
            if (slot.state.get() != state) return // the step ended while we sampled: the stack is of something else
            slot.reportedState = state
            slot.sample = Sample(state, slot.startedAfter, stack)
            val running = (now - slot.startedAfter).nanoseconds
            detector.report(SlowStep(nameOf(context), slot.thread.name, running, stack, finished = false))
        }
    }
}

private const val RUNNING = 1L

private fun nameOf(context: CoroutineContext): String = context[CoroutineName]?.name ?: "unnamed"

/** A dispatcher whose every dispatched block runs as a step watched by [detector]. */
private open class WatchedDispatcher(
    private val inner: CoroutineDispatcher,
    private val detector: SlowStepDetector,
) : CoroutineDispatcher() {
    override fun isDispatchNeeded(context: CoroutineContext): Boolean = inner.isDispatchNeeded(context)

    override fun dispatch(context: CoroutineContext, block: Runnable) = inner.dispatch(context, Step(detector, context, block))

    @InternalCoroutinesApi
    override fun dispatchYield(context: CoroutineContext, block: Runnable) =
        inner.dispatchYield(context, Step(detector, context, block))

    override fun toString(): String = "$inner watched by $detector"
}

/** The same for a dispatcher with its own timer: delays stay on it. */
@OptIn(InternalCoroutinesApi::class)
private class DelayingWatchedDispatcher(
    inner: CoroutineDispatcher,
    detector: SlowStepDetector,
    delay: Delay,
) : WatchedDispatcher(inner, detector), Delay by delay

private class Step(
    private val detector: SlowStepDetector,
    private val context: CoroutineContext,
    private val block: Runnable,
) : Runnable {
    override fun run() = detector.runStep(context, block)
}
