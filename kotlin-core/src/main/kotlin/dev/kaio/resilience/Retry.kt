package dev.kaio.resilience

import dev.kaio.currentTimeSource
import dev.kaio.timeout
import kotlin.random.Random
import kotlin.reflect.KClass
import kotlin.time.ComparableTimeMark
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.delay

/**
 * Runs a call again when it fails, with a pause (backoff) between attempts; asyncio programs write
 * this as a loop around `await` with `asyncio.sleep` (book chapter 10), Resilience4j and Failsafe
 * call it a retry policy.
 *
 * ```
 * val retry = Retry {
 *     maxAttempts = 4
 *     exponentialBackoff(initial = 100.milliseconds, factor = 2.0, maxDelay = 1.seconds)
 *     jitter(0.2)
 *     retryOn(IOException::class)
 *     attemptTimeout = 2.seconds
 * }
 * val page = retry.call { client.get(url) }
 * ```
 *
 * **Stopping.** Attempts stop at [RetryBuilder.maxAttempts] (counting the first) and, when
 * [RetryBuilder.maxDuration] is set, when the next attempt would *start* later than `maxDuration`
 * after the first one started (the running attempt is never cut short by `maxDuration`; use
 * [RetryBuilder.attemptTimeout] or an outer `timeout` for that).
 *
 * **What is retried.** An exception is retried when it matches one of the `retryOn` types or
 * `retryOnException` predicates; with none configured, every [Exception] is retried (not an
 * [Error]). A result is retried when a `retryOnResult` predicate accepts it; when attempts run out,
 * the last result is returned (not an exception): the caller sees what the service said.
 *
 * **Failure.** When retrying stops, the last failure is rethrown, itself, with the earlier failures
 * of this call attached as [Throwable.getSuppressed] in order. A failure that is not retried is
 * rethrown at once (with the earlier ones attached too).
 *
 * **Timeouts.** With [RetryBuilder.attemptTimeout], each attempt runs in Kaio's
 * [dev.kaio.timeout]: an attempt that takes longer fails with `DeadlineExceededException` (a
 * `java.util.concurrent.TimeoutException`), which is retried like any other exception (unless the
 * filters exclude it).
 *
 * **Cancellation.** Never retried: a [CancellationException], whether the caller was cancelled or
 * the block threw one, is rethrown at once. Cancelling the caller during a backoff resumes at once
 * with `CancellationException` (prompt cancellation of `delay`); no further attempt starts.
 *
 * **Time.** Delays are `delay`s on the caller's dispatcher and elapsed time is read from
 * [dev.kaio.currentTimeSource], so retries run on virtual time in tests.
 *
 * A [Retry] holds no state between calls: one instance may serve any number of concurrent calls.
 */
public interface Retry : ResiliencePolicy {
    /**
     * Runs [block] until it succeeds, a failure is not retryable or the limits are reached.
     *
     * @throws CancellationException when the caller is cancelled (during an attempt or a backoff).
     * @throws Throwable the last failure of [block], with the earlier ones suppressed.
     */
    override suspend fun <T> call(block: suspend () -> T): T
}

/**
 * Creates a [Retry]; see [RetryBuilder] for the settings and their defaults (3 attempts, 100 ms
 * fixed backoff, every [Exception] retried).
 *
 * @throws IllegalArgumentException naming the setting, when a setting is invalid (zero attempts, a
 *   negative duration, a backoff factor below 1, jitter outside 0..1, no limit at all).
 */
public fun Retry(configure: RetryBuilder.() -> Unit = {}): Retry = RetryBuilder().apply(configure).build()

/** Settings of a [Retry]; validated when the [Retry] is built. */
public class RetryBuilder internal constructor() {
    /** Most attempts, the first included; at least 1. `null`: unlimited (then set [maxDuration]). Default 3. */
    public var maxAttempts: Int? = 3

    /** No attempt starts later than this after the first one started; `null` (default): no limit. */
    public var maxDuration: Duration? = null

    /** Time limit of each attempt, through Kaio's `timeout`; `null` (default): none. */
    public var attemptTimeout: Duration? = null

    private var initialDelay: Duration = 100.milliseconds
    private var factor: Double = 1.0
    private var maxDelay: Duration = Duration.INFINITE
    private var jitter: Double = 0.0
    private var random: Random = Random.Default
    private var exponential = false
    private val retryTypes = ArrayList<Class<out Throwable>>()
    private val exceptionPredicates = ArrayList<(Throwable) -> Boolean>()
    private val resultPredicates = ArrayList<(Any?) -> Boolean>()

    /** Waits [delay] before every retry (the default, 100 ms). */
    public fun fixedBackoff(delay: Duration) {
        exponential = false
        initialDelay = delay
        factor = 1.0
        maxDelay = Duration.INFINITE
    }

    /**
     * Waits [initial] before the first retry, then [factor] times longer before each next one, at
     * most [maxDelay]: `min(initial * factor^(retry - 1), maxDelay)`.
     */
    public fun exponentialBackoff(initial: Duration, factor: Double = 2.0, maxDelay: Duration = Duration.INFINITE) {
        exponential = true
        initialDelay = initial
        this.factor = factor
        this.maxDelay = maxDelay
    }

    /**
     * Spreads each backoff delay uniformly over `[delay * (1 - factor), delay * (1 + factor)]`
     * (then capped by the exponential maximum), so that clients that failed together do not retry
     * together. [factor] is in 0..1; [random] is the source of randomness (seed it in tests).
     */
    public fun jitter(factor: Double, random: Random = Random.Default) {
        jitter = factor
        this.random = random
    }

    /** Retries exceptions that are instances of any of [types] (and of their subclasses). */
    public fun retryOn(vararg types: KClass<out Throwable>) {
        types.mapTo(retryTypes) { it.java }
    }

    /** Retries exceptions of type [E]. */
    public inline fun <reified E : Throwable> retryOn(): Unit = retryOn(E::class)

    /** Retries exceptions that [predicate] accepts. */
    public fun retryOnException(predicate: (Throwable) -> Boolean) {
        exceptionPredicates += predicate
    }

    /** Retries successful results that [predicate] accepts (for example an HTTP 503 response). */
    public fun retryOnResult(predicate: (Any?) -> Boolean) {
        resultPredicates += predicate
    }

    internal fun retryOnClasses(types: Collection<Class<out Throwable>>) {
        retryTypes += types
    }

    internal fun build(): Retry {
        maxAttempts?.let { require(it >= 1) { "maxAttempts < 1: $it" } }
        maxDuration?.let { require(!it.isNegative()) { "maxDuration is negative: $it" } }
        require(maxAttempts != null || maxDuration != null) {
            "maxAttempts and maxDuration are both unlimited: the retry would never stop"
        }
        attemptTimeout?.let { require(!it.isNegative()) { "attemptTimeout is negative: $it" } }
        require(!initialDelay.isNegative()) {
            (if (exponential) "exponentialBackoff initial" else "fixedBackoff delay") + " is negative: $initialDelay"
        }
        require(factor >= 1.0 && !factor.isNaN() && !factor.isInfinite()) { "exponentialBackoff factor < 1: $factor" }
        require(!maxDelay.isNegative()) { "exponentialBackoff maxDelay is negative: $maxDelay" }
        require(jitter in 0.0..1.0) { "jitter outside 0..1: $jitter" }
        return RealRetry(
            maxAttempts = maxAttempts ?: Int.MAX_VALUE,
            maxDuration = maxDuration,
            attemptTimeout = attemptTimeout,
            initialDelay = initialDelay,
            factor = factor,
            maxDelay = maxDelay,
            jitter = jitter,
            random = random,
            retryTypes = retryTypes.toTypedArray(),
            exceptionPredicates = exceptionPredicates.toTypedArray(),
            resultPredicates = resultPredicates.toTypedArray(),
        )
    }
}

/*
 * Overview: `attemptsFrom` is the loop of one call. The decisions between attempts
 * (`pauseAfterFailure`, `pauseAfterResult`) never suspend, so that the Java facade
 * (dev.kaio.interop.ResilienceInterop) can run the first attempt without a coroutine and start one
 * (`retryAfterFirst`) only when a retry is due.
 */
internal class RealRetry(
    private val maxAttempts: Int,
    private val maxDuration: Duration?,
    val attemptTimeout: Duration?,
    private val initialDelay: Duration,
    private val factor: Double,
    private val maxDelay: Duration,
    private val jitter: Double,
    private val random: Random,
    private val retryTypes: Array<Class<out Throwable>>,
    private val exceptionPredicates: Array<(Throwable) -> Boolean>,
    private val resultPredicates: Array<(Any?) -> Boolean>,
) : Retry {
    private val anyFilter = retryTypes.isNotEmpty() || exceptionPredicates.isNotEmpty()

    /** Whether the limits need the start time of a call. */
    val needsStart: Boolean get() = maxDuration != null

    // A tail call only, so that `call` needs no continuation of its own (measured: 2-3 ns a call).
    override suspend fun <T> call(block: suspend () -> T): T = attemptsFrom(1, null, null, block)

    /**
     * Continues a call whose first attempt ended with [failure] (null: with a result to retry),
     * after [pause], the answer of [pauseAfterFailure] or [pauseAfterResult] for it.
     */
    suspend fun <T> retryAfterFirst(failure: Throwable?, pause: Duration, start: ComparableTimeMark?, block: suspend () -> T): T {
        val failures = failure?.let { ArrayList<Throwable>(4).apply { add(it) } }
        delay(pause)
        return attemptsFrom(2, start, failures, block)
    }

    /**
     * Attempts number [first], [first] + 1, ... of one call, after the [earlier] failures; the call
     * started at [startedAt] (null when no limit needs it, or [first] is 1: then it starts now).
     */
    private suspend fun <T> attemptsFrom(first: Int, startedAt: ComparableTimeMark?, earlier: ArrayList<Throwable>?, block: suspend () -> T): T {
        val start = if (startedAt == null && first == 1 && maxDuration != null) currentTimeSource().markNow() else startedAt
        var failures = earlier
        var attempt = first
        while (true) {
            val result = try {
                if (attemptTimeout == null) block() else timeout(attemptTimeout) { block() }
            } catch (failure: Throwable) {
                if (failure is CancellationException) throw failure
                val pause = pauseAfterFailure(failure, attempt, start) ?: throw failure.withEarlier(failures)
                (failures ?: ArrayList<Throwable>(4).also { failures = it }).add(failure)
                delay(pause)
                attempt++
                continue
            }
            val pause = pauseAfterResult(result, attempt, start) ?: return result
            delay(pause)
            attempt++
        }
    }

    /**
     * The pause before the next attempt after attempt [attempt] failed with [failure] (not a
     * cancellation), or null when the failure is final. Never suspends.
     */
    fun pauseAfterFailure(failure: Throwable, attempt: Int, start: ComparableTimeMark?): Duration? {
        if (!isRetryable(failure)) return null
        val pause = nextDelay(attempt)
        return if (mayRetry(attempt, start, pause)) pause else null
    }

    /** The pause before the next attempt after attempt [attempt] returned [result], or null to return it. */
    fun pauseAfterResult(result: Any?, attempt: Int, start: ComparableTimeMark?): Duration? {
        if (resultPredicates.isEmpty() || resultPredicates.none { it(result) }) return null
        val pause = nextDelay(attempt)
        return if (mayRetry(attempt, start, pause)) pause else null
    }

    private fun isRetryable(failure: Throwable): Boolean {
        if (!anyFilter) return failure is Exception
        for (type in retryTypes) if (type.isInstance(failure)) return true
        for (predicate in exceptionPredicates) if (predicate(failure)) return true
        return false
    }

    private fun mayRetry(attempt: Int, start: ComparableTimeMark?, pause: Duration): Boolean {
        if (attempt >= maxAttempts) return false
        if (start != null && start.elapsedNow() + pause > maxDuration!!) return false
        return true
    }

    /** The pause after attempt number [attempt] (1-based) failed. */
    private fun nextDelay(attempt: Int): Duration {
        var pause = if (factor == 1.0 || initialDelay == Duration.ZERO) initialDelay else initialDelay * Math.pow(factor, (attempt - 1).toDouble())
        if (jitter > 0.0 && pause.isFinite()) pause *= 1.0 + jitter * (2.0 * random.nextDouble() - 1.0)
        return if (pause > maxDelay) maxDelay else pause
    }

    private fun Throwable.withEarlier(earlier: List<Throwable>?): Throwable {
        if (earlier != null) for (e in earlier) if (e !== this && suppressed.none { it === e }) addSuppressed(e)
        return this
    }

    override fun toString(): String = "Retry(maxAttempts=$maxAttempts, maxDuration=$maxDuration)"
}
