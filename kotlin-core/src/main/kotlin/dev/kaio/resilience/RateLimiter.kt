package dev.kaio.resilience

import dev.kaio.currentTimeSource
import kotlin.math.ceil
import kotlin.math.min
import kotlin.time.ComparableTimeMark
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlin.coroutines.resume
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.delay
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * Lets calls through at a steady rate with bursts, a token bucket: the bucket holds at most
 * [RateLimiterBuilder.burst] tokens, starts full and gains [RateLimiterBuilder.permits] tokens per
 * [RateLimiterBuilder.period]; each call takes one, `acquire(n)` takes n at once. Over any
 * interval of length `t` at most `burst + permits * t / period` tokens are taken.
 *
 * ```
 * val limiter = RateLimiter { permits = 10; period = 1.seconds; burst = 5 }
 * urls.map { url -> spawn { limiter.call { fetch(url) } } }
 * ```
 *
 * Compared with Resilience4j's Java `RateLimiter`, which parks the calling thread in
 * `waitForPermission`, [acquire] suspends: no thread is held while a caller waits.
 *
 * **Fairness.** Waiters are served first in, first out, whatever they ask for: a request for many
 * tokens at the head of the line is served as soon as that many have accrued, and requests for
 * fewer tokens behind it wait (they are never let past it, so a big request is never starved).
 * [tryAcquire] never takes a token while someone waits.
 *
 * **Cancellation.** A waiter cancelled while it waits resumes at once with
 * `CancellationException` (prompt cancellation guarantee) and takes no token: the n tokens of a
 * multi-token request are taken all at once, at the moment it is served, never one by one, so the
 * tokens it was waiting for go to the next waiter.
 *
 * **Time.** Tokens are computed from the caller's [dev.kaio.currentTimeSource] and waits are
 * `delay`s, so the limiter runs on virtual time in tests; every caller of one limiter must use the
 * same clock. `delay` has millisecond resolution, so a wait for a fraction of a millisecond lasts
 * a whole one (the rate is never exceeded because of it).
 *
 * Thread-safe.
 */
public interface RateLimiter : ResiliencePolicy {
    /**
     * Takes one token, suspending until one is available and every earlier waiter has been served.
     *
     * @throws CancellationException if the caller is cancelled while waiting; no token is taken.
     */
    public suspend fun acquire()

    /**
     * Takes [permits] tokens at once, suspending until that many are available and every earlier
     * waiter has been served; later waiters wait behind this one.
     *
     * @throws IllegalArgumentException at once if [permits] is below 1 or above the burst (the
     *   bucket could never hold that many).
     * @throws CancellationException if the caller is cancelled while waiting; no token is taken.
     */
    public suspend fun acquire(permits: Int)

    /**
     * Takes one token if one is available now and nobody waits; never suspends.
     *
     * @return true if a token was taken.
     */
    public suspend fun tryAcquire(): Boolean

    /**
     * Takes [permits] tokens if that many are available now and nobody waits; never suspends.
     *
     * @return true if the tokens were taken (all of them), false if none was.
     * @throws IllegalArgumentException if [permits] is below 1 or above the burst.
     */
    public suspend fun tryAcquire(permits: Int): Boolean

    /** [acquire]s a token, then runs [block]; the token is spent whatever the block does. */
    override suspend fun <T> call(block: suspend () -> T): T
}

/**
 * Creates a [RateLimiter].
 *
 * @throws IllegalArgumentException naming the setting: `permits` or `burst` below 1, a period that
 *   is not positive.
 */
public fun RateLimiter(configure: RateLimiterBuilder.() -> Unit): RateLimiter =
    RateLimiterBuilder().apply(configure).build()

/** Settings of a [RateLimiter]; validated when it is built. */
public class RateLimiterBuilder internal constructor() {
    /** Tokens gained per [period]; at least 1. Default 10. */
    public var permits: Int = 10

    /** The period of [permits]; positive. Default 1 s. */
    public var period: Duration = 1.seconds

    /** Most tokens in the bucket (and its content at start); at least 1. `null` (default): [permits]. */
    public var burst: Int? = null

    internal fun build(): RateLimiter {
        require(permits >= 1) { "permits < 1: $permits" }
        require(period.isPositive() && period.isFinite()) { "period is not positive: $period" }
        val burst = burst ?: permits
        require(burst >= 1) { "burst < 1: $burst" }
        return RealRateLimiter(period.inWholeNanoseconds.toDouble() / permits, burst)
    }
}

/*
 * Overview: tokens are a Double refilled lazily from the clock under one lock. Waiters queue in a
 * deque; only the head waits for time (a delay until its token is due), the others sleep on a
 * continuation until they become the head. Whoever leaves the head (served or cancelled) wakes the
 * next one. Tokens are taken only by the head, all it asked for at once, under the lock, right
 * before `acquire` returns without suspending again, so a cancelled waiter never holds one.
 */
internal class RealRateLimiter(private val nanosPerToken: Double, burst: Int) : RateLimiter {
    private class Waiter(val permits: Double) {
        var parked: CancellableContinuation<Unit>? = null
    }

    private val lock = Any()
    private val capacity = burst.toDouble()
    private var tokens = capacity
    private var last: ComparableTimeMark? = null
    private val waiters = ArrayDeque<Waiter>()

    /** With the lock held. */
    private fun refill(now: ComparableTimeMark) {
        val previous = last
        if (previous == null) {
            last = now
            return
        }
        val elapsed = (now - previous).inWholeNanoseconds
        if (elapsed > 0) {
            tokens = min(capacity, tokens + elapsed / nanosPerToken)
            last = now
        }
    }

    /** [permits] as tokens, or [IllegalArgumentException] naming the misuse. */
    fun checked(permits: Int): Double {
        require(permits >= 1) { "permits < 1: $permits" }
        require(permits <= capacity) {
            "permits $permits > burst ${capacity.toInt()}: the bucket never holds that many tokens"
        }
        return permits.toDouble()
    }

    override suspend fun tryAcquire(): Boolean = tryAcquire(currentTimeSource(), 1)

    override suspend fun tryAcquire(permits: Int): Boolean = tryAcquire(currentTimeSource(), permits)

    internal fun tryAcquire(clock: TimeSource.WithComparableMarks, permits: Int): Boolean {
        val wanted = checked(permits)
        return synchronized(lock) {
            refill(clock.markNow())
            if (waiters.isEmpty() && tokens >= wanted) {
                tokens -= wanted
                true
            } else {
                false
            }
        }
    }

    override suspend fun <T> call(block: suspend () -> T): T {
        acquire()
        return block()
    }

    override suspend fun acquire(): Unit = acquireChecked(1.0)

    override suspend fun acquire(permits: Int): Unit = acquireChecked(checked(permits))

    private suspend fun acquireChecked(wanted: Double) {
        val clock = currentTimeSource()
        val me = synchronized(lock) {
            refill(clock.markNow())
            if (waiters.isEmpty() && tokens >= wanted) {
                tokens -= wanted
                return
            }
            Waiter(wanted).also { waiters.addLast(it) }
        }
        var served = false
        try {
            while (true) {
                var waitNanos = -1L
                synchronized(lock) {
                    if (waiters.first() === me) {
                        refill(clock.markNow())
                        if (tokens >= me.permits) {
                            tokens -= me.permits
                            waiters.removeFirst()
                            served = true
                        } else {
                            waitNanos = ceil((me.permits - tokens) * nanosPerToken).toLong().coerceAtLeast(1)
                        }
                    }
                }
                when {
                    served -> return
                    waitNanos > 0 -> delay(waitNanos.nanoseconds)
                    else -> suspendCancellableCoroutine<Unit> { continuation ->
                        val resumeNow = synchronized(lock) {
                            val head = waiters.first() === me
                            if (!head) me.parked = continuation
                            head
                        }
                        if (resumeNow) continuation.resume(Unit)
                    }
                }
            }
        } finally {
            // Served: wake the new head. Cancelled: leave the queue, and wake the new head if we were it.
            val next = synchronized(lock) {
                if (!served) {
                    val wasHead = waiters.firstOrNull() === me
                    waiters.remove(me)
                    if (wasHead) waiters.firstOrNull() else null
                } else {
                    waiters.firstOrNull()
                }?.let { waiter -> waiter.parked.also { waiter.parked = null } }
            }
            next?.resume(Unit)
        }
    }

    override fun toString(): String = "RateLimiter(${1e9 / nanosPerToken}/s, burst=${capacity.toInt()})"
}
