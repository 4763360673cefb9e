package dev.kaio.debug

import dev.kaio.currentTimeSource
import java.util.concurrent.ConcurrentHashMap
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlinx.coroutines.CancellationException

/**
 * Measures [block] under [name] in [timings] (by default [Timings.Default]) and returns its value:
 * a lightweight metric for the question "how long does this take, usually and at worst?".
 *
 * ```
 * val page = timed("fetch-page") { client.get(url) }
 * Timings.Default.stats("fetch-page")  // count, p50, p90, p99, max
 * ```
 *
 * The time is read from the coroutine's [dev.kaio.KaioClock] (the monotonic clock by default, the
 * test scheduler's under virtual time), from the call until [block] returns or throws, suspensions
 * included.
 *
 * **Failure and cancellation.** If [block] throws, the time is recorded too, counted in
 * [TimingStats.failures] (or [TimingStats.cancellations] for a `CancellationException`), and the
 * exception is rethrown unchanged.
 *
 * @throws IllegalArgumentException if [name] is blank
 */
public suspend fun <T> timed(name: String, timings: Timings = Timings.Default, block: suspend () -> T): T {
    require(name.isNotBlank()) { "a timing needs a name, got '$name'" }
    val start = currentTimeSource().markNow()
    val value = try {
        block()
    } catch (cancelled: CancellationException) {
        timings.record(name, start.elapsedNow(), Outcome.CANCELLED)
        throw cancelled
    } catch (failure: Throwable) {
        timings.record(name, start.elapsedNow(), Outcome.FAILED)
        throw failure
    }
    timings.record(name, start.elapsedNow(), Outcome.RETURNED)
    return value
}

/**
 * What [timed] measured under one name: how many blocks ran, how many of them failed or were
 * cancelled (all are counted in [count] and in the times), and the distribution of their durations.
 *
 * [min] and [max] are exact; the percentiles come from a fixed histogram and are within 1/16
 * (6.25 %) of the true value, never below [min] nor above [max].
 */
public data class TimingStats(
    public val name: String,
    public val count: Long,
    public val failures: Long,
    public val cancellations: Long,
    public val total: Duration,
    public val min: Duration,
    public val max: Duration,
    public val p50: Duration,
    public val p90: Duration,
    public val p99: Duration,
) {
    /** The average duration. */
    public val mean: Duration get() = total / count.toDouble()

    override fun toString(): String =
        "$name: $count calls ($failures failed, $cancellations cancelled), " +
            "p50 $p50, p90 $p90, p99 $p99, max $max, min $min, mean $mean"
}

/**
 * The per-name statistics that [timed] keeps. Thread-safe; reading them never stops recording.
 *
 * **Memory is bounded per name**: each name keeps counters and a fixed log-linear histogram of
 * 960 buckets (16 per power of two, from 1 ns to 292 years), about 8 KB, however many durations
 * are recorded. Names are kept until [reset]; do not build names from unbounded data (ids, URLs
 * with parameters).
 */
public class Timings {
    private val byName = ConcurrentHashMap<String, TimingHistogram>()

    /** The statistics of [name], or null if nothing was recorded under it since the last [reset]. */
    public fun stats(name: String): TimingStats? = byName[name]?.stats(name)

    /** The statistics of every name, sorted by name. */
    public fun snapshot(): Map<String, TimingStats> =
        byName.keys.sorted().mapNotNull { name -> stats(name)?.let { name to it } }.toMap()

    /** Forgets every name and its statistics. */
    public fun reset() {
        byName.clear()
    }

    internal fun record(name: String, duration: Duration, outcome: Outcome) {
        byName.computeIfAbsent(name) { TimingHistogram() }.record(duration.inWholeNanoseconds.coerceAtLeast(0), outcome)
    }

    override fun toString(): String = snapshot().values.joinToString("\n")

    public companion object {
        /** Where [timed] records unless told otherwise. */
        @JvmStatic
        public val Default: Timings = Timings()
    }
}

internal enum class Outcome { RETURNED, FAILED, CANCELLED }

/*
 * A log-linear histogram of nanosecond durations: values below 32 have a bucket each; above, each
 * power of two [2^e, 2^(e+1)) is cut into 16 equal buckets, so a bucket's width is at most 1/16 of
 * its lower bound. Index = (e - 3) * 16 + the 4 bits after the leading one; 2^63 - 1 lands in 959.
 */
internal class TimingHistogram {
    private val buckets = LongArray(BUCKETS)
    private var count = 0L
    private var failures = 0L
    private var cancellations = 0L
    private var total = 0L
    private var min = Long.MAX_VALUE
    private var max = 0L

    @Synchronized
    fun record(nanos: Long, outcome: Outcome) {
        buckets[indexOf(nanos)]++
        count++
        when (outcome) {
            Outcome.FAILED -> failures++
            Outcome.CANCELLED -> cancellations++
            Outcome.RETURNED -> {}
        }
        total = if (total > Long.MAX_VALUE - nanos) Long.MAX_VALUE else total + nanos
        if (nanos < min) min = nanos
        if (nanos > max) max = nanos
    }

    @Synchronized
    fun stats(name: String): TimingStats = TimingStats(
        name, count, failures, cancellations, total.nanoseconds, min.nanoseconds, max.nanoseconds,
        percentile(0.50).nanoseconds, percentile(0.90).nanoseconds, percentile(0.99).nanoseconds,
    )

    /** The upper bound of the bucket holding the value of rank ceil(q * count), kept within [min, max]. */
    private fun percentile(q: Double): Long {
        val rank = kotlin.math.ceil(q * count).toLong().coerceIn(1, count)
        var seen = 0L
        for (i in buckets.indices) {
            seen += buckets[i]
            if (seen >= rank) return upperBoundOf(i).coerceIn(min, max)
        }
        return max
    }

    companion object {
        const val BUCKETS = 960

        fun indexOf(nanos: Long): Int {
            if (nanos < 32) return nanos.toInt()
            val e = 63 - java.lang.Long.numberOfLeadingZeros(nanos)
            return (e - 3) * 16 + ((nanos ushr (e - 4)) and 15).toInt()
        }

        fun upperBoundOf(index: Int): Long {
            if (index < 32) return index.toLong()
            val e = index / 16 + 3
            val lower = (16L + index % 16) shl (e - 4)
            val width = 1L shl (e - 4)
            return if (lower > Long.MAX_VALUE - width) Long.MAX_VALUE else lower + width - 1
        }
    }
}
