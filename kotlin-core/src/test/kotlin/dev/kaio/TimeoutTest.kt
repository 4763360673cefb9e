package dev.kaio

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestCoroutineScheduler
import kotlinx.coroutines.test.TestResult
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/** Kotlin-only behaviour of `timeout`/`timeoutAt`; the shared behaviour is in java-api's TaskScenarios. */
class TimeoutTest {
    /**
     * The clock is part of the test scope's own context, so that a coroutine the body starts with
     * the scope's `launch` reads virtual time too (one started from a `withContext(KaioClock(…))`
     * inside `runTest` would not: it would time its deadline on the real clock).
     */
    private fun virtual(body: suspend TestScope.() -> Unit): TestResult {
        val scheduler = TestCoroutineScheduler()
        return runTest(StandardTestDispatcher(scheduler) + KaioClock(scheduler.timeSource)) { body() }
    }

    @Test
    fun `timeoutAt uses the coroutine clock`() = virtual {
        val clock = currentTimeSource()
        delay(100)
        val deadline = clock.markNow() + 30.milliseconds
        assertFailsWith<DeadlineExceededException> { timeoutAt(deadline) { delay(50) } }
        assertEquals(130, currentTime)
    }

    @Test
    fun `timeoutAt with no deadline never fires until one is set`() = virtual {
        val clock = currentTimeSource()
        assertFailsWith<DeadlineExceededException> {
            timeoutAt(null) { handle ->
                delay(1_000)
                assertEquals(null, handle.deadline)
                handle.reschedule(clock.markNow() + 10.milliseconds)
                delay(100)
            }
        }
        assertEquals(1_010, currentTime)
    }

    @Test
    fun `a block that swallows the cancellation still times out`() = virtual {
        assertFailsWith<DeadlineExceededException> {
            timeout(10.milliseconds) { runCatching { delay(100) }; "swallowed" }
        }
    }

    @Test
    fun `zero timeout runs the body up to its first suspension`() = virtual {
        var reached = false
        assertFailsWith<DeadlineExceededException> {
            timeout(Duration.ZERO) {
                reached = true
                yield()
                error("must not get past the first suspension")
            }
        }
        assertTrue(reached)
    }

    @Test
    fun `a body that completes without suspending beats a zero timeout`() = virtual {
        assertEquals(1, timeout(Duration.ZERO) { 1 })
    }

    @Test
    fun `reschedule after expiry or after the block is a clear error`() = virtual {
        lateinit var kept: Timeout
        timeout(10.milliseconds) { kept = it }
        val afterExit = assertFailsWith<IllegalStateException> { kept.rescheduleAfter(5.milliseconds) }
        assertTrue("not running" in afterExit.message!!)
        assertFailsWith<DeadlineExceededException> {
            timeout(10.milliseconds) { handle ->
                try { delay(100) } finally {
                    assertTrue(handle.expired)
                    val error = assertFailsWith<IllegalStateException> { handle.rescheduleAfter(5.milliseconds) }
                    assertTrue("expired" in error.message!!)
                }
            }
        }
    }

    @Test
    fun `the caller's own cancellation wins over a timeout that is expiring`() = virtual {
        var seen: Throwable? = null
        val caller = launch {
            val callerJob = coroutineContext.job
            try {
                timeout(10.milliseconds) {
                    // The deadline passes and, while the block is being cancelled for it, the caller
                    // itself is cancelled: no tie between two events at one virtual instant.
                    try { delay(100) } finally { callerJob.cancel() }
                }
            } catch (e: Throwable) {
                seen = e
                throw e
            }
        }
        caller.join()
        assertIs<CancellationException>(seen)
        assertFalse(seen is java.util.concurrent.TimeoutException)
        assertEquals(10, currentTime) // cut at the deadline, not after the block's 100 ms
    }

    @Test
    fun `unlike kotlinx withTimeout, a Kaio timeout inside launch fails the parent`() = virtual {
        var kotlinxSiblingCompleted = false
        coroutineScope {
            launch { withTimeout(10) { delay(100) } } // kotlinx: swallowed as a cancellation
            launch { delay(20); kotlinxSiblingCompleted = true }
        }
        assertTrue(kotlinxSiblingCompleted)

        var kaioSiblingCompleted = false
        assertFailsWith<DeadlineExceededException> {
            coroutineScope {
                launch { timeout(10.milliseconds) { delay(100) } }
                launch { delay(20); kaioSiblingCompleted = true }
            }
        }
        assertFalse(kaioSiblingCompleted)
    }
}
