@file:JvmName("Timeouts")

package dev.kaio

import kotlin.time.ComparableTimeMark
import kotlin.time.Duration
import kotlin.time.TimeSource
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch

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
 * `finally` blocks run before the exception is thrown. `timeout(Duration.ZERO)` runs the block up
 * to its first suspension. If the caller itself is cancelled at the same time, the caller's
 * `CancellationException` wins. Nested timeouts: the one whose deadline passes first fires; an
 * inner timeout seen by an outer block is an ordinary exception.
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
    try {
        return coroutineScope {
            timeout.enter(this)
            try {
                block(timeout)
            } finally {
                timeout.exit()
            }
        }
    } catch (cancelled: CancellationException) {
        if (timeout.expired && currentCoroutineContext().isActive) {
            val message = if (duration != null) "Timed out after $duration" else "Deadline exceeded"
            throw DeadlineExceededException(message).apply { initCause(cancelled) }
        }
        throw cancelled
    }
}

/** Cancels the block's scope when the deadline passes. */
private class TimeoutSignal : CancellationException("Deadline exceeded")

/*
 * States: CREATED -enter-> ENTERED -fire-> EXPIRED
 *                                   \-exit--> EXITED
 * A timer child coroutine sleeps until the deadline; reschedule replaces it.
 */
private class RunningTimeout(
    private val clock: TimeSource.WithComparableMarks,
    initialDeadline: ComparableTimeMark?,
) : Timeout {
    private enum class State { CREATED, ENTERED, EXPIRED, EXITED }

    private var state = State.CREATED
    private var scope: CoroutineScope? = null
    private var timer: Job? = null

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

    fun exit() = synchronized(this) {
        if (state == State.ENTERED) state = State.EXITED
        timer?.cancel()
        timer = null
    }

    override fun reschedule(deadline: ComparableTimeMark?) = synchronized(this) {
        check(state == State.ENTERED) {
            when (state) {
                State.EXPIRED -> "Cannot reschedule a timeout that has expired"
                else -> "Cannot reschedule a timeout whose block is not running"
            }
        }
        this.deadline = deadline
        timer?.cancel()
        startTimer()
    }

    override fun rescheduleAfter(delay: Duration) = reschedule(clock.markNow() + delay)

    /** Called with the lock held. */
    private fun startTimer() {
        val until = deadline ?: return
        // Started lazily by the dispatcher: a deadline already past lets the block reach its first suspension.
        timer = scope!!.launch {
            delay(until - clock.markNow())
            fire()
        }
    }

    private fun fire() {
        val target = synchronized(this) {
            if (state != State.ENTERED) return
            state = State.EXPIRED
            scope
        }
        target!!.coroutineContext[Job]!!.cancel(TimeoutSignal())
    }
}
