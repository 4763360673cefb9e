package dev.kaio.resilience

import java.util.concurrent.RejectedExecutionException
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.flow.StateFlow

/** The state of a [CircuitBreaker]. */
public enum class CircuitState {
    /** Calls pass; their outcomes fill the sliding window. */
    CLOSED,

    /** Calls fail fast with [CircuitOpenException] until the open duration has passed. */
    OPEN,

    /** A limited number of trial calls pass; the others are rejected. */
    HALF_OPEN,
}

/**
 * What a [CircuitBreaker] looks like after a change, for a monitoring page: its [state], and the
 * outcomes it judges on (the sliding window when closed, the trial calls when half-open; zero when
 * open).
 */
public class CircuitBreakerSnapshot internal constructor(
    /** The state. */
    public val state: CircuitState,
    /** Outcomes counted: in the window (closed) or finished trial calls (half-open). */
    public val calls: Int,
    /** Of [calls], those that counted as failures (slow calls included). */
    public val failures: Int,
    /** Of [calls], those slower than the slow-call duration. */
    public val slowCalls: Int,
    /** Calls rejected with [CircuitOpenException] since the breaker was created. */
    public val rejectedCalls: Long,
) {
    /** [failures] in percent of [calls]; 0 when there are none. */
    public val failureRate: Double get() = if (calls == 0) 0.0 else failures * 100.0 / calls

    override fun toString(): String =
        "CircuitBreakerSnapshot($state, calls=$calls, failures=$failures, slowCalls=$slowCalls, rejected=$rejectedCalls)"
}

/**
 * Thrown instead of running a call when the breaker is [CircuitState.OPEN], or
 * [CircuitState.HALF_OPEN] with all its trial calls taken. A [RejectedExecutionException]: the call
 * was never started, so it is always safe to try elsewhere.
 */
public class CircuitOpenException internal constructor(
    /** The name of the breaker. */
    public val breakerName: String,
    /** The state that rejected the call. */
    public val state: CircuitState,
    /**
     * Nanoseconds until the breaker lets a trial call through (0 when half-open, [Long.MAX_VALUE]
     * when it was forced open with [CircuitBreaker.forceOpen]).
     */
    public val retryAfterNanos: Long,
) : RejectedExecutionException(
    when {
        state != CircuitState.OPEN ->
            "Circuit breaker '$breakerName' is HALF_OPEN and all its trial calls are in flight; try again shortly"
        retryAfterNanos == Long.MAX_VALUE ->
            "Circuit breaker '$breakerName' is forced OPEN; it stays open until it is reset"
        else -> "Circuit breaker '$breakerName' is OPEN; it lets a trial call through in ${retryAfterNanos.nanoseconds}"
    },
) {
    /** Time until the breaker lets a trial call through (zero when half-open, infinite when forced open). */
    public val retryAfter: Duration
        get() = if (retryAfterNanos == Long.MAX_VALUE) Duration.INFINITE else retryAfterNanos.nanoseconds
}

/**
 * Stops calling a failing service for a while, so that it can recover and callers fail fast
 * (book chapter 10; Resilience4j's and Failsafe's `CircuitBreaker`, Arrow's `CircuitBreaker`).
 *
 * ```
 * val breaker = CircuitBreaker {
 *     name = "inventory"
 *     failureRateThreshold = 50.0
 *     countBasedWindow(size = 20)
 *     minimumCalls = 10
 *     slowCallDuration = 2.seconds
 *     openDuration = 30.seconds
 *     halfOpenTrialCalls = 3
 * }
 * val stock = breaker.call { inventory.stock(sku) }
 * ```
 *
 * **States.**
 * ```
 *             failure rate >= threshold            open duration passed,
 *             (at least minimumCalls in window)    on the next call
 *   CLOSED ----------------------------------> OPEN -------------------> HALF_OPEN
 *     ^                                         ^                          |  |
 *     |                                         +---- a trial call fails --+  |
 *     +------------- halfOpenTrialCalls trial calls all succeed --------------+
 * ```
 * - CLOSED: calls run; each outcome enters the sliding window (count-based: the last `size`
 *   outcomes; time-based: see [CircuitBreakerBuilder.timeBasedWindow]). When the window holds at
 *   least [CircuitBreakerBuilder.minimumCalls] outcomes and the failure rate reaches
 *   [CircuitBreakerBuilder.failureRateThreshold] percent, the breaker opens.
 * - OPEN: calls fail at once with [CircuitOpenException], which says how long until a trial. The
 *   move to HALF_OPEN is made by the first call after [CircuitBreakerBuilder.openDuration]; no
 *   timer runs, so [snapshots] shows OPEN until that call.
 * - HALF_OPEN: up to [CircuitBreakerBuilder.halfOpenTrialCalls] calls run as trials; concurrent
 *   callers beyond them are rejected with [CircuitOpenException]. The first failed trial reopens
 *   the breaker (for a new open duration); when all trials have succeeded it closes with an empty
 *   window. Outcomes of calls admitted before a state change are ignored.
 *
 * **Failures.** An exception counts as a failure when it matches [CircuitBreakerBuilder.failOn] /
 * [CircuitBreakerBuilder.failOnException] (default: every exception); any other exception counts as
 * a success (the service answered) and is rethrown. A call slower than
 * [CircuitBreakerBuilder.slowCallDuration] counts as a failure even when it succeeds. A timeout
 * inside the call (`DeadlineExceededException`) is an exception like any other.
 *
 * **Cancellation.** A cancelled call is neither a success nor a failure: nothing is recorded, and a
 * cancelled trial call frees its slot for another caller. The breaker never suspends by itself; it
 * adds no suspension point to the call.
 *
 * **Time.** The breaker reads the time from the caller's [dev.kaio.currentTimeSource]; every
 * caller of one breaker must use the same clock (marks of different clocks cannot be compared and
 * throw `IllegalArgumentException`).
 *
 * **Observing.** [snapshots] is a `StateFlow` updated after every change (state and counts);
 * [addListener] calls a function after each change, for Java and for logs.
 *
 * Thread-safe: state changes happen under a lock that is never held while the call runs.
 */
public interface CircuitBreaker : ResiliencePolicy {
    /** The name, shown in [CircuitOpenException] messages. */
    public val name: String

    /** The current state and counts, updated after every change. */
    public val snapshots: StateFlow<CircuitBreakerSnapshot>

    /** The current state: `snapshots.value.state`. */
    public val state: CircuitState get() = snapshots.value.state

    /**
     * Runs [block] if the breaker lets it through and records its outcome.
     *
     * @throws CircuitOpenException without running [block] when the breaker is open, or half-open
     *   with all trial calls taken.
     * @throws CancellationException when the caller is cancelled; nothing is recorded.
     * @throws Throwable whatever [block] throws, after recording it.
     */
    override suspend fun <T> call(block: suspend () -> T): T

    /**
     * Calls [listener] with the new snapshot after every change, on the thread that made the change
     * and after the breaker's lock is released (so when calls finish on several threads at once, a
     * listener may see two snapshots in the other order; on one loop thread the order is exact).
     * A listener must be quick; an exception it throws goes to the thread's uncaught-exception
     * handler and does not affect the call. Dispose the handle to remove it.
     */
    public fun addListener(listener: (CircuitBreakerSnapshot) -> Unit): DisposableHandle

    /**
     * Moves the breaker to [CircuitState.CLOSED] with an empty window, whatever its state (also
     * from [forceOpen]); [CircuitBreakerSnapshot.rejectedCalls] keeps counting since creation.
     * Calls in flight when it is reset were admitted by the old state: their outcomes are ignored.
     * Never suspends; listeners are called as for any change.
     */
    public fun reset()

    /**
     * Moves the breaker to [CircuitState.OPEN] until [reset]: every call fails fast with
     * [CircuitOpenException] (with [CircuitOpenException.retryAfter] infinite), and no trial call is
     * let through however long it stays open (an operator's switch, for maintenance). Outcomes of
     * calls in flight are ignored. Never suspends; listeners are called as for any change.
     */
    public fun forceOpen()
}

/**
 * Creates a [CircuitBreaker]; see [CircuitBreakerBuilder] for the settings and defaults.
 *
 * @throws IllegalArgumentException naming the setting, when a setting is invalid (threshold outside
 *   0-100 %, a negative or zero duration, a window size or count below 1).
 */
public fun CircuitBreaker(configure: CircuitBreakerBuilder.() -> Unit = {}): CircuitBreaker =
    CircuitBreakerBuilder().apply(configure).build()

/** Settings of a [CircuitBreaker]; validated when it is built. */
public class CircuitBreakerBuilder internal constructor() {
    /** Shown in messages. Default `"circuit-breaker"`. */
    public var name: String = "circuit-breaker"

    /** Failure rate, in percent, above or at which the breaker opens: more than 0, at most 100. Default 50. */
    public var failureRateThreshold: Double = 50.0

    /** Outcomes the window must hold before the rate is judged; at least 1. Default 10. */
    public var minimumCalls: Int = 10

    /** Calls slower than this count as failures; `null` (default): duration does not matter. */
    public var slowCallDuration: Duration? = null

    /** How long the breaker stays open before it lets trial calls through; positive. Default 60 s. */
    public var openDuration: Duration = 60.seconds

    /** Trial calls in half-open; at least 1. Default 1. */
    public var halfOpenTrialCalls: Int = 1

    private var windowSize: Int = 100
    private var windowLength: Duration? = null
    private var windowBuckets: Int = 10
    private val failureTypes = ArrayList<Class<out Throwable>>()
    private val failurePredicates = ArrayList<(Throwable) -> Boolean>()

    /** Judges the last [size] outcomes (the default, with 100). */
    public fun countBasedWindow(size: Int) {
        windowSize = size
        windowLength = null
    }

    /**
     * Judges the outcomes of the last [length], kept in [buckets] buckets of `length / buckets`
     * each: an outcome leaves the window between `length - length / buckets` and `length` after it
     * was recorded, when the bucket it fell into leaves (buckets are aligned on the first outcome).
     */
    public fun timeBasedWindow(length: Duration, buckets: Int = 10) {
        windowLength = length
        windowBuckets = buckets
    }

    /** Counts only exceptions of [types] (and subclasses) as failures. */
    public fun failOn(vararg types: KClass<out Throwable>) {
        types.mapTo(failureTypes) { it.java }
    }

    /** Counts exceptions that [predicate] accepts as failures. */
    public fun failOnException(predicate: (Throwable) -> Boolean) {
        failurePredicates += predicate
    }

    internal fun failOnClasses(types: Collection<Class<out Throwable>>) {
        failureTypes += types
    }

    internal fun build(): CircuitBreaker {
        require(failureRateThreshold > 0.0 && failureRateThreshold <= 100.0) {
            "failureRateThreshold outside (0, 100] %: $failureRateThreshold"
        }
        require(minimumCalls >= 1) { "minimumCalls < 1: $minimumCalls" }
        slowCallDuration?.let { require(!it.isNegative()) { "slowCallDuration is negative: $it" } }
        require(openDuration.isPositive()) { "openDuration is not positive: $openDuration" }
        require(halfOpenTrialCalls >= 1) { "halfOpenTrialCalls < 1: $halfOpenTrialCalls" }
        val length = windowLength
        val window = if (length == null) {
            require(windowSize >= 1) { "countBasedWindow size < 1: $windowSize" }
            SlidingWindow.CountBased(windowSize)
        } else {
            require(length.isPositive() && length.isFinite()) { "timeBasedWindow length is not positive: $length" }
            require(windowBuckets >= 1) { "timeBasedWindow buckets < 1: $windowBuckets" }
            require(length.inWholeNanoseconds >= windowBuckets) { "timeBasedWindow length shorter than 1 ns per bucket: $length" }
            SlidingWindow.TimeBased(length, windowBuckets)
        }
        return RealCircuitBreaker(
            name, failureRateThreshold, minimumCalls, slowCallDuration, openDuration, halfOpenTrialCalls, window,
            failureTypes.toTypedArray(), failurePredicates.toTypedArray(),
        )
    }
}
