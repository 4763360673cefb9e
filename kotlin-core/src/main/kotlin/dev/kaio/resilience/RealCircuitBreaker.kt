package dev.kaio.resilience

import dev.kaio.currentTimeSource
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.time.ComparableTimeMark
import kotlin.time.Duration
import kotlin.time.TimeSource
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

/*
 * Overview: one lock guards the state; the call itself runs outside it.
 *
 * `epoch` counts state changes. A call takes the epoch when it is let through and reports its
 * outcome with it; an outcome whose epoch is no longer current belongs to a state that is gone and
 * is dropped (a call let through while closed that ends after the breaker opened; a trial that ends
 * after another trial already reopened the breaker).
 *
 * HALF_OPEN counts trials in flight and trials that succeeded; a new trial is admitted while
 * inFlight + succeeded < halfOpenTrialCalls, so at most that many trials ever run per half-open
 * period, and a cancelled trial gives its slot back.
 *
 * `stateAndEpoch` (volatile, written under the lock) packs the state and the epoch, so that a call
 * in CLOSED is admitted with one volatile read and no lock. A closed call that finishes without
 * changing the counts (a success into a full window of successes) publishes nothing.
 *
 * The Java facade (dev.kaio.interop.ResilienceInterop) calls admit / finishedWith / cancelled
 * directly, to run a call whose stage is already complete without a coroutine.
 */
internal class RealCircuitBreaker(
    override val name: String,
    private val threshold: Double,
    private val minimumCalls: Int,
    private val slowCallDuration: Duration?,
    private val openDuration: Duration,
    private val trialCalls: Int,
    private val window: SlidingWindow,
    private val failureTypes: Array<Class<out Throwable>>,
    private val failurePredicates: Array<(Throwable) -> Boolean>,
) : CircuitBreaker {
    private val lock = Any()
    private val needsTime = slowCallDuration != null || window is SlidingWindow.TimeBased
    private var current = CircuitState.CLOSED
    private var epoch = 0L

    /** `epoch * 4 + current.ordinal`, written with them under the lock. */
    @Volatile
    private var stateAndEpoch = 0L

    /** When OPEN: the end of the open duration, or null when forced open. */
    private var openUntil: ComparableTimeMark? = null
    private var trialsInFlight = 0
    private var trialsSucceeded = 0
    private var rejected = 0L
    private val flow = MutableStateFlow(CircuitBreakerSnapshot(CircuitState.CLOSED, 0, 0, 0, 0))
    private val listeners = CopyOnWriteArrayList<(CircuitBreakerSnapshot) -> Unit>()

    override val snapshots: StateFlow<CircuitBreakerSnapshot> = flow.asStateFlow()

    override suspend fun <T> call(block: suspend () -> T): T {
        val clock = currentTimeSource()
        val permit = admit(clock)
        return runAdmitted(permit, clock, startMark(clock), block)
    }

    /** Runs [block], admitted with [permit] at [start], and records its outcome. */
    suspend fun <T> runAdmitted(
        permit: Long,
        clock: TimeSource.WithComparableMarks,
        start: ComparableTimeMark?,
        block: suspend () -> T,
    ): T {
        val result = try {
            block()
        } catch (failure: Throwable) {
            finishedWith(permit, failure, clock, start)
            throw failure
        }
        finished(permit, false, clock, start)
        return result
    }

    /** The start of a call, when the breaker needs it (slow calls, time window). */
    fun startMark(clock: TimeSource.WithComparableMarks): ComparableTimeMark? = if (needsTime) clock.markNow() else null

    /** Records the outcome of the call admitted with [permit]: [failure] null for a success, a cancellation for nothing. */
    fun finishedWith(permit: Long, failure: Throwable?, clock: TimeSource.WithComparableMarks, start: ComparableTimeMark?) {
        when (failure) {
            null -> finished(permit, false, clock, start)
            is CancellationException -> cancelled(permit)
            else -> finished(permit, isFailure(failure), clock, start)
        }
    }

    private fun isFailure(failure: Throwable): Boolean {
        if (failureTypes.isEmpty() && failurePredicates.isEmpty()) return true
        for (type in failureTypes) if (type.isInstance(failure)) return true
        for (predicate in failurePredicates) if (predicate(failure)) return true
        return false
    }

    /** Lets a call through and returns its epoch, or throws [CircuitOpenException]. Never suspends. */
    fun admit(clock: TimeSource.WithComparableMarks): Long {
        val seen = stateAndEpoch
        if ((seen and 3L).toInt() == CLOSED_ORDINAL) return seen ushr 2
        var rejection: CircuitOpenException? = null
        var admitted = 0L
        var snapshot: CircuitBreakerSnapshot? = null
        synchronized(lock) {
            if (current == CircuitState.CLOSED) return epoch
            if (current == CircuitState.OPEN) {
                val until = openUntil
                val now = if (until == null) null else clock.markNow()
                if (until == null) {
                    rejection = CircuitOpenException(name, CircuitState.OPEN, Long.MAX_VALUE)
                } else if (now!! < until) {
                    rejection = CircuitOpenException(name, CircuitState.OPEN, (until - now).inWholeNanoseconds)
                } else {
                    moveTo(CircuitState.HALF_OPEN)
                }
            }
            if (rejection == null) {
                if (trialsInFlight + trialsSucceeded < trialCalls) {
                    trialsInFlight++
                } else {
                    rejection = CircuitOpenException(name, CircuitState.HALF_OPEN, 0)
                }
            }
            if (rejection != null) rejected++
            admitted = epoch
            snapshot = publish()
        }
        notify(snapshot!!)
        rejection?.let { throw it }
        return admitted
    }

    private fun finished(permit: Long, failed: Boolean, clock: TimeSource.WithComparableMarks, start: ComparableTimeMark?) {
        val now = if (needsTime) clock.markNow() else null
        val slow = slowCallDuration != null && now!! - start!! > slowCallDuration
        val counted = failed || slow
        val snapshot = synchronized(lock) {
            if (permit != epoch) return
            when (current) {
                CircuitState.CLOSED -> {
                    window.record(counted, slow, now)
                    if (window.calls >= minimumCalls && window.failureRate >= threshold) {
                        open(now ?: clock.markNow())
                    } else if (unchanged(flow.value)) {
                        return
                    }
                }
                CircuitState.HALF_OPEN -> {
                    trialsInFlight--
                    if (counted) {
                        open(now ?: clock.markNow())
                    } else {
                        trialsSucceeded++
                        if (trialsSucceeded >= trialCalls) moveTo(CircuitState.CLOSED)
                    }
                }
                CircuitState.OPEN -> return // unreachable: opening changes the epoch
            }
            publish()
        }
        notify(snapshot)
    }

    /** With the lock held, in CLOSED: whether [published] already shows the window's counts. */
    private fun unchanged(published: CircuitBreakerSnapshot): Boolean =
        published.state == CircuitState.CLOSED && published.calls == window.calls &&
            published.failures == window.failures && published.slowCalls == window.slowCalls &&
            published.rejectedCalls == rejected

    /** Forgets the call admitted with [permit], which was cancelled: frees its trial slot. */
    fun cancelled(permit: Long) {
        val snapshot = synchronized(lock) {
            if (permit != epoch || current != CircuitState.HALF_OPEN) return
            trialsInFlight--
            publish()
        }
        notify(snapshot)
    }

    /** With the lock held. */
    private fun open(now: ComparableTimeMark) {
        openUntil = now + openDuration
        moveTo(CircuitState.OPEN)
    }

    override fun reset() = forceState(CircuitState.CLOSED)

    override fun forceOpen() = forceState(CircuitState.OPEN)

    private fun forceState(state: CircuitState) {
        val snapshot = synchronized(lock) {
            moveTo(state)
            openUntil = null
            publish()
        }
        notify(snapshot)
    }

    /** With the lock held. */
    private fun moveTo(state: CircuitState) {
        current = state
        epoch++
        stateAndEpoch = (epoch shl 2) or state.ordinal.toLong()
        trialsInFlight = 0
        trialsSucceeded = 0
        window.clear()
    }

    /** With the lock held: the new snapshot, also set on the flow. */
    private fun publish(): CircuitBreakerSnapshot {
        val snapshot = when (current) {
            CircuitState.CLOSED -> CircuitBreakerSnapshot(current, window.calls, window.failures, window.slowCalls, rejected)
            CircuitState.OPEN -> CircuitBreakerSnapshot(current, 0, 0, 0, rejected)
            CircuitState.HALF_OPEN -> CircuitBreakerSnapshot(current, trialsSucceeded, 0, 0, rejected)
        }
        flow.value = snapshot
        return snapshot
    }

    private fun notify(snapshot: CircuitBreakerSnapshot) {
        if (listeners.isEmpty()) return
        for (listener in listeners) {
            try {
                listener(snapshot)
            } catch (failure: Throwable) {
                // A listener's bug must not change the call's outcome or leak a trial slot.
                val thread = Thread.currentThread()
                thread.uncaughtExceptionHandler?.uncaughtException(thread, failure)
            }
        }
    }

    override fun addListener(listener: (CircuitBreakerSnapshot) -> Unit): DisposableHandle {
        listeners += listener
        return DisposableHandle { listeners -= listener }
    }

    override fun toString(): String = "CircuitBreaker($name, ${flow.value})"

    private companion object {
        val CLOSED_ORDINAL = CircuitState.CLOSED.ordinal
    }
}
