package dev.kaio.resilience

import kotlin.time.ComparableTimeMark
import kotlin.time.Duration

/**
 * The outcomes a [CircuitBreaker] judges its failure rate on. Not thread-safe: the breaker calls it
 * under its lock.
 */
internal sealed class SlidingWindow {
    /** Outcomes in the window as of the last [record]. */
    var calls: Int = 0
        protected set
    var failures: Int = 0
        protected set
    var slowCalls: Int = 0
        protected set

    /** Adds one outcome, at [now] (null for a count-based window, which does not need the time). */
    abstract fun record(failure: Boolean, slow: Boolean, now: ComparableTimeMark?)

    abstract fun clear()

    /** Failures (slow calls counted as failures by the caller) in percent of [calls]; 0 when empty. */
    val failureRate: Double get() = if (calls == 0) 0.0 else failures * 100.0 / calls

    /**
     * The last [size] outcomes, in a ring: recording the (size+1)-th outcome drops the first.
     */
    class CountBased(private val size: Int) : SlidingWindow() {
        private val ring = ByteArray(size)
        private var next = 0

        override fun record(failure: Boolean, slow: Boolean, now: ComparableTimeMark?) {
            val code = (if (failure) FAILURE else 0) or (if (slow) SLOW else 0)
            if (calls == size) {
                val old = ring[next].toInt()
                if (old and FAILURE != 0) failures--
                if (old and SLOW != 0) slowCalls--
            } else {
                calls++
            }
            ring[next] = code.toByte()
            if (failure) failures++
            if (slow) slowCalls++
            next = if (next + 1 == size) 0 else next + 1
        }

        override fun clear() {
            calls = 0; failures = 0; slowCalls = 0; next = 0
        }
    }

    /**
     * The outcomes of the last [length], kept in [buckets] buckets of `length / buckets` each, the
     * first starting at the first outcome recorded after creation or [clear]. An outcome recorded in
     * bucket `k` (the `k`-th `length / buckets` since that origin) counts while the current bucket
     * is at most `k + buckets - 1`: it leaves the window between `length - length / buckets` and
     * `length` after it was recorded, at the start of bucket `k + buckets`.
     */
    class TimeBased(length: Duration, private val buckets: Int) : SlidingWindow() {
        private val bucketNanos = (length.inWholeNanoseconds / buckets).coerceAtLeast(1)
        private val index = LongArray(buckets) { -1 }
        private val bucketCalls = IntArray(buckets)
        private val bucketFailures = IntArray(buckets)
        private val bucketSlow = IntArray(buckets)
        private var origin: ComparableTimeMark? = null

        override fun record(failure: Boolean, slow: Boolean, now: ComparableTimeMark?) {
            val start = origin ?: now!!.also { origin = it }
            val current = (now!! - start).inWholeNanoseconds / bucketNanos
            val slot = (current % buckets).toInt()
            if (index[slot] != current) {
                index[slot] = current
                bucketCalls[slot] = 0; bucketFailures[slot] = 0; bucketSlow[slot] = 0
            }
            bucketCalls[slot]++
            if (failure) bucketFailures[slot]++
            if (slow) bucketSlow[slot]++
            var c = 0; var f = 0; var s = 0
            for (i in 0 until buckets) {
                if (index[i] > current - buckets) {
                    c += bucketCalls[i]; f += bucketFailures[i]; s += bucketSlow[i]
                }
            }
            calls = c; failures = f; slowCalls = s
        }

        override fun clear() {
            origin = null
            index.fill(-1)
            calls = 0; failures = 0; slowCalls = 0
        }
    }

    private companion object {
        const val FAILURE = 1
        const val SLOW = 2
    }
}
