package dev.kaio.debug

import dev.kaio.KaioClock
import kotlin.math.abs
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration
import kotlin.time.Duration.Companion.days
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.nanoseconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext

/** `timed` on virtual time: every duration below is exact, so the statistics can be checked. */
class TimedTest {
    private val timings = Timings()

    private fun onVirtualTime(body: suspend CoroutineScope.(TestScope) -> Unit) = runTest {
        val test = this
        withContext(KaioClock(testScheduler.timeSource)) { body(test) }
    }

    private fun assertNear(expected: Duration, actual: Duration) =
        assertTrue(abs((actual - expected).inWholeNanoseconds) <= expected.inWholeNanoseconds / 16, "expected about $expected, got $actual")

    @Test
    fun `counts and percentiles of blocks that suspend`() = onVirtualTime {
        for (i in 1..100) assertEquals(i, timed("op", timings) { delay(i.milliseconds); i })
        val stats = timings.stats("op")!!
        assertEquals(100, stats.count)
        assertEquals(0, stats.failures)
        assertEquals(1.milliseconds, stats.min)
        assertEquals(100.milliseconds, stats.max)
        assertEquals(5050.milliseconds, stats.total)
        assertEquals(50.5.milliseconds, stats.mean)
        assertNear(50.milliseconds, stats.p50)
        assertNear(90.milliseconds, stats.p90)
        assertNear(99.milliseconds, stats.p99)
        assertTrue(stats.p50 >= 50.milliseconds && stats.p99 <= stats.max, "$stats")
    }

    @Test
    fun `failures and cancellations are timed, counted and rethrown unchanged`() = onVirtualTime { test ->
        val boom = IllegalStateException("boom")
        val thrown = assertFailsWith<IllegalStateException> { timed("op", timings) { delay(5.milliseconds); throw boom } }
        assertTrue(thrown === boom)
        val job = launch { timed("op", timings) { awaitCancellation() } }
        test.runCurrent()
        delay(7.milliseconds)
        job.cancel()
        job.join()
        val stats = timings.stats("op")!!
        assertEquals(2, stats.count)
        assertEquals(1, stats.failures)
        assertEquals(1, stats.cancellations)
        assertEquals(5.milliseconds, stats.min)
        assertEquals(7.milliseconds, stats.max)
    }

    @Test
    fun `names are kept apart, listed in order, and forgotten on reset`() = onVirtualTime {
        timed("b", timings) { delay(2.milliseconds) }
        timed("a", timings) { delay(1.milliseconds) }
        assertEquals(listOf("a", "b"), timings.snapshot().keys.toList())
        assertEquals(1.milliseconds, timings.snapshot().getValue("a").max)
        assertNull(timings.stats("c"))
        timings.reset()
        assertEquals(emptyMap(), timings.snapshot())
    }

    @Test
    fun `a blank name is refused before the block runs`() = onVirtualTime {
        var ran = false
        val e = assertFailsWith<IllegalArgumentException> { timed(" ", timings) { ran = true } }
        assertEquals("a timing needs a name, got ' '", e.message)
        assertEquals(false, ran)
    }

    @Test
    fun `the histogram keeps every duration from zero to centuries within a sixteenth`() {
        val histogram = TimingHistogram()
        val values = listOf(0L, 1L, 31L, 32L, 33L, 1_000L, 123_456_789L, 365.days.inWholeNanoseconds, Long.MAX_VALUE)
        for (v in values) {
            val index = TimingHistogram.indexOf(v)
            assertTrue(index in 0 until TimingHistogram.BUCKETS, "$v -> $index")
            val upper = TimingHistogram.upperBoundOf(index)
            assertTrue(upper >= v && upper - v <= v / 16, "$v -> bucket up to $upper")
            histogram.record(v, Outcome.RETURNED)
        }
        val stats = histogram.stats("all")
        assertEquals(values.size.toLong(), stats.count)
        assertEquals(Long.MAX_VALUE.nanoseconds, stats.max)
        assertEquals(Duration.ZERO, stats.min)
    }
}
