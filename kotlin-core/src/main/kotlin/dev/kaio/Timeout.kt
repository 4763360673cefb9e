@file:JvmName("Timeouts")

package dev.kaio

import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.time.ComparableTimeMark
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlin.time.TimeSource
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Delay
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.ThreadContextElement
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.isActive
import kotlinx.coroutines.withContext

/**
 * Thrown when a deadline of [timeout], [timeoutAt] or `asCompleted` passes: a
 * [java.util.concurrent.TimeoutException], so an enclosing scope sees a failure it must handle,
 * never a `CancellationException` it would swallow (kotlinx's `withTimeout` throws one of those).
 */
public class DeadlineExceededException(message: String) : java.util.concurrent.TimeoutException(message)

/**
 * The deadline of a running [timeout] block, asyncio 3.11's `Timeout` object: read it, move it,
 * remove it.
 *
 * Thread-safe: any coroutine or thread may reschedule it while the block runs.
 */
public interface Timeout {
    /** When the block will be cancelled, or null when there is no deadline. */
    public val deadline: ComparableTimeMark?

    /** True once the deadline has passed and the block has been cancelled. */
    public val expired: Boolean

    /**
     * Moves the deadline to [deadline] (null: no deadline). A deadline already in the past
     * cancels the block at once.
     *
     * @throws IllegalStateException if the timeout has already expired or its block has finished.
     */
    public fun reschedule(deadline: ComparableTimeMark?)

    /** Moves the deadline to [delay] from now, on the clock of the timeout. */
    public fun rescheduleAfter(delay: Duration)
}

/**
 * Runs [block] and cancels it when [duration] has passed, asyncio's `timeout(delay)`; the
 * cancellation then surfaces as [DeadlineExceededException], a `TimeoutException`.
 *
 * **Cancellation.** The block is cancelled cooperatively at its next suspension point and its
 * `finally` blocks run before the exception is thrown. A block that reaches its end without
 * meeting the cancellation keeps its result: when the deadline fires on another thread after the
 * block's last suspension (a `get` that has just taken its item), its value is returned, as in
 * asyncio, where a timeout interrupts only at an await; so nothing the block took is lost. A block
 * that catches the deadline's cancellation and returns anyway still times out, and so does one
 * with a child still running when the deadline fired (the child's work was cut).
 * `timeout(Duration.ZERO)` runs the block up to its first suspension. If the caller itself is
 * cancelled at the same time, the caller's `CancellationException` wins. Nested timeouts: the one
 * whose deadline passes first fires; an inner timeout seen by an outer block is an ordinary
 * exception.
 *
 * **Timers.** The deadline fires on a timer thread, at whole milliseconds (as `delay` rounds):
 * the dispatcher's own timer when it has one (a test dispatcher's virtual time), kotlinx's
 * `DefaultExecutor` in an `EventLoop`, else Kaio's daemon thread `kaio-timer`. Deadlines that end
 * before they are due wake none of these threads, except the first of a run.
 *
 * The block receives a [Timeout] handle to [Timeout.reschedule] the deadline.
 *
 * @throws IllegalArgumentException if [duration] is negative.
 * @throws DeadlineExceededException when the deadline passes before the block completes.
 */
public suspend fun <T> timeout(duration: Duration, block: suspend CoroutineScope.(Timeout) -> T): T {
    require(!duration.isNegative()) { "timeout must not be negative: $duration" }
    val clock = currentTimeSource()
    return withDeadline(clock, clock.markNow() + duration, duration, block)
}

/**
 * Like [timeout], with an absolute [deadline] read from [currentTimeSource] (asyncio's
 * `timeout_at`); a null deadline never expires but can be set later with [Timeout.reschedule].
 */
public suspend fun <T> timeoutAt(deadline: ComparableTimeMark?, block: suspend CoroutineScope.(Timeout) -> T): T =
    withDeadline(currentTimeSource(), deadline, null, block)

private suspend fun <T> withDeadline(
    clock: TimeSource.WithComparableMarks,
    deadline: ComparableTimeMark?,
    duration: Duration?,
    block: suspend CoroutineScope.(Timeout) -> T,
): T {
    val timeout = RunningTimeout(clock, deadline)
    var finished: Outcome.Success<T>? = null
    try {
        return withContext(timeout.resumeWatch) {
            timeout.enter(this)
            try {
                block(timeout).also { value ->
                    // Finished before the deadline could reach it, if neither the block nor a child of
                    // it was resumed with the cancellation since the timer fired (a block that was has
                    // seen it, even if it swallowed it; a child that was had its work cut), and no
                    // child was alive when it fired.
                    if (!timeout.resumeWatch.sawCancellation) finished = Outcome.Success(value)
                }
            } finally {
                timeout.exit()
            }
        }
    } catch (cancelled: CancellationException) {
        if (timeout.expired && currentCoroutineContext().isActive) {
            // The deadline passed on another thread while the block was finishing without suspending
            // again, so it never saw the cancellation: its result stands, as in asyncio, where a
            // timeout can only interrupt a block at an await. Dropping it would lose what the block
            // took (a queue item, a line read).
            finished?.let { return it.value }
            val message = if (duration != null) "Timed out after $duration" else "Deadline exceeded"
            throw DeadlineExceededException(message).apply { initCause(cancelled) }
        }
        throw cancelled
    }
}

/** Milliseconds to wait for [wait], rounded up as `delay` rounds them; 0 for a deadline already past. */
private fun delayMillis(wait: Duration): Long =
    if (wait.isPositive()) (wait + 999_999.nanoseconds).inWholeMilliseconds else 0

/** Cancels the block's scope when the deadline passes. */
private class TimeoutSignal : CancellationException("Deadline exceeded")

/*
 * States: CREATED -enter-> ENTERED -fire-> EXPIRED
 *                                   \-exit--> EXITED
 * The timer is a callback: in a set of deadlines (TimerSet.kt: the loop's, in a task of an
 * `EventLoop`; a shared one, on a dispatcher that cannot schedule), or else scheduled on the
 * block's dispatcher (kotlinx's `Delay.invokeOnTimeout`, as `withTimeout` does; a test
 * dispatcher's virtual time). reschedule replaces it. A callback is what keeps a timeout cheap:
 * a timer coroutine, cancelled at every exit, made an exception and a job's completion with a live
 * child, several times the cost of the rest (`TimeoutBenchmark`).
 */
@OptIn(InternalCoroutinesApi::class)
private class RunningTimeout(
    private val clock: TimeSource.WithComparableMarks,
    initialDeadline: ComparableTimeMark?,
) : Timeout {
    private enum class State { CREATED, ENTERED, EXPIRED, EXITED }

    private var state = State.CREATED
    private var scope: CoroutineScope? = null
    private var timer: DisposableHandle? = null

    @Volatile
    override var deadline: ComparableTimeMark? = initialDeadline
        private set

    override val expired: Boolean
        get() = synchronized(this) { state == State.EXPIRED }

    fun enter(scope: CoroutineScope) = synchronized(this) {
        this.scope = scope
        state = State.ENTERED
        startTimer()
    }

    /** Called as the block leaves; no deadline fires after this. */
    fun exit() = synchronized(this) {
        if (state == State.ENTERED) state = State.EXITED
        stopTimer()
    }

    override fun reschedule(deadline: ComparableTimeMark?) = synchronized(this) {
        check(state == State.ENTERED) {
            when (state) {
                State.EXPIRED -> "Cannot reschedule a timeout that has expired"
                else -> "Cannot reschedule a timeout whose block is not running"
            }
        }
        this.deadline = deadline
        stopTimer()
        startTimer()
    }

    override fun rescheduleAfter(delay: Duration) = reschedule(clock.markNow() + delay)

    /** Called with the lock held. */
    private fun startTimer() {
        val until = deadline ?: return
        // Run by a timer thread even at 0 ms: a deadline already past lets the block reach its
        // first suspension, where it meets the cancellation.
        val wait = delayMillis(until - clock.markNow())
        val action = Runnable { fire() }
        val context = scope!!.coroutineContext
        val scheduler = context[ContinuationInterceptor] as? Delay
        timer = when {
            scheduler == null -> TimerSet.shared.schedule(wait, action)
            else -> {
                val loopTimers = LoopBinding.onThisThread()?.timers?.takeIf { it.delay === scheduler }
                loopTimers?.schedule(wait, action) ?: scheduler.invokeOnTimeout(wait, action, context)
            }
        }
    }

    /** Called with the lock held. */
    private fun stopTimer() {
        timer?.dispose()
        timer = null
    }

    /** In the block's context: counts the block's resumptions with the deadline's cancellation. */
    val resumeWatch = ResumeWatch()

    private fun fire() {
        val target = synchronized(this) {
            if (state != State.ENTERED) return
            state = State.EXPIRED
            scope
        }
        val job = target!!.coroutineContext[Job]!!
        // A child alive now has its work cut, whether it is suspended (its resumption would be
        // counted) or running (it may meet the cancellation at its next suspension point without
        // suspending, and then no resumption tells the watch). Only here, when a deadline fires, does
        // a timeout look at its children.
        if (job.children.any()) resumeWatch.childCut()
        // Before the cancel, so that no resumption the cancel causes runs before the watch counts
        // it. A resumption between the two is of a coroutine not cancelled yet: it delivers its
        // value and is not counted (see ResumeWatch.updateThreadContext).
        resumeWatch.fired = true
        job.cancel(TimeoutSignal())
    }
}

/**
 * Tells a timeout whether its block has seen the deadline's cancellation. A ThreadContextElement
 * is told of every resumption of the block (and of its children), on whatever thread: each one
 * of a coroutine that the deadline has cancelled delivers the cancellation, except where a Kaio
 * wait had already been handed its value and returns it anyway (see `park`), which calls
 * [resumedWithValue]. It is its own key, so nested timeouts each keep their own.
 */
internal class ResumeWatch : ThreadContextElement<Unit>, CoroutineContext.Key<ResumeWatch> {
    override val key: CoroutineContext.Key<*> get() = this

    @Volatile
    var fired = false

    private val cancelledResumptions = AtomicInteger()

    val sawCancellation: Boolean get() = cancelledResumptions.get() > 0

    override fun updateThreadContext(context: CoroutineContext) {
        // A cancelled coroutine meets the cancellation when it resumes: kotlinx resumes its
        // cancellable waits with it even when they had been handed a value before (prompt
        // cancellation), and Kaio's waits that return such a value say so (resumedWithValue).
        if (fired && context[Job]?.isCancelled == true) cancelledResumptions.incrementAndGet()
    }

    override fun restoreThreadContext(context: CoroutineContext, oldState: Unit) = Unit

    /** The deadline cut a child of the block (see `fire`): the block has seen the cancellation. */
    fun childCut() {
        cancelledResumptions.incrementAndGet()
    }

    /** The current resumption returned a value handed before the cancellation: it does not count. */
    fun resumedWithValue() {
        cancelledResumptions.updateAndGet { if (it > 0) it - 1 else 0 }
    }

    internal var count: Int
        get() = cancelledResumptions.get()
        set(value) = cancelledResumptions.set(value)
}

/** The counts of the timeouts around a wait, to restore if the wait returns a value despite a cancellation. */
internal class ResumeWatchMarks(private val marks: List<Pair<ResumeWatch, Int>>) {
    fun restore() = marks.forEach { (watch, count) -> watch.count = count }
}

/** Marks the [ResumeWatch]es in [context] (null if none: no timeout around the wait). */
internal fun markResumeWatches(context: CoroutineContext): ResumeWatchMarks? {
    val marks = context.fold(emptyList<Pair<ResumeWatch, Int>>()) { acc, element ->
        if (element is ResumeWatch) acc + (element to element.count) else acc
    }
    return if (marks.isEmpty()) null else ResumeWatchMarks(marks)
}

/** For Kaio's waits: a wait resumed by a cancellation returns a value it had been handed before it. */
internal fun cancellationTurnedIntoValue(context: CoroutineContext) {
    context.fold(Unit) { _, element -> (element as? ResumeWatch)?.resumedWithValue() }
}
