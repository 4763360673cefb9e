package dev.kaio

import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.time.TimeSource
import kotlinx.coroutines.currentCoroutineContext

/**
 * The clock that Kaio's time-based components read: deadlines of [timeoutAt], circuit-breaker open
 * durations, rate-limiter refills.
 *
 * Kaio *waits* with `delay`, which follows the coroutine's dispatcher (and so virtual time under
 * `kotlinx-coroutines-test`), but it *reads the time* from the [KaioClock] in the coroutine context,
 * falling back to [System] (`TimeSource.Monotonic`). A test on virtual time therefore installs the
 * test scheduler's time source, best in the test scope's own context:
 *
 * ```
 * @Test fun breakerReopens(): TestResult {
 *     val scheduler = TestCoroutineScheduler()
 *     return runTest(StandardTestDispatcher(scheduler) + KaioClock(scheduler.timeSource)) { … }
 * }
 * ```
 *
 * `runTest { withContext(KaioClock(testScheduler.timeSource)) { … } }` works too, but only for
 * coroutines started inside the `withContext` block: one started with the test scope's own
 * `launch` (`this@runTest.launch`) has no [KaioClock], measures its deadlines on the real clock and
 * so fires them early by however long the machine took.
 *
 * Time is injected rather than detected so that nothing in the core depends on the test library.
 */
public class KaioClock(
    /** Where the current time is read from. */
    public val timeSource: TimeSource.WithComparableMarks,
) : AbstractCoroutineContextElement(Key) {

    /** The context key, and the system clock. */
    public companion object Key : CoroutineContext.Key<KaioClock> {
        /** The real monotonic clock: the default when the context holds no [KaioClock]. */
        public val System: KaioClock = KaioClock(TimeSource.Monotonic)
    }

    override fun toString(): String = "KaioClock($timeSource)"
}

/** The time source of the calling coroutine: its [KaioClock], or the monotonic system clock. */
public suspend fun currentTimeSource(): TimeSource.WithComparableMarks =
    (currentCoroutineContext()[KaioClock] ?: KaioClock.System).timeSource
