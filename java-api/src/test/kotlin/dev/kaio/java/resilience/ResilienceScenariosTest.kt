package dev.kaio.java.resilience

import dev.kaio.DeadlineExceededException
import dev.kaio.KaioClock
import dev.kaio.interop.runAsLoop
import dev.kaio.resilience.BulkheadFullException
import dev.kaio.resilience.CircuitOpenException
import dev.kaio.resilience.CircuitState
import java.io.IOException
import java.util.concurrent.TimeoutException
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertSame
import kotlin.test.assertTrue
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.MethodSource

/**
 * Every behaviour of dev.kaio.resilience, written once and run against the Kotlin API and the Java
 * facade (called from Kotlin), on virtual time: `runTest { withContext(KaioClock(...)) { runAsLoop { } } }`.
 * Times are virtual milliseconds since the scenario started.
 */
class ResilienceScenariosTest {
    companion object {
        @JvmStatic
        fun apis(): List<ResilienceApi> = listOf(KotlinApi, JavaApi)
    }

    private class Ctx(val scope: CoroutineScope, val test: TestScope) : CoroutineScope by scope {
        val start = test.testScheduler.currentTime
        fun now(): Long = test.testScheduler.currentTime - start
    }

    private fun scenario(body: suspend Ctx.() -> Unit) = runTest {
        val test = this
        withContext(KaioClock(testScheduler.timeSource)) {
            runAsLoop { Ctx(this, test).body() }
        }
    }

    private class Boom(val n: Int) : IOException("boom $n")

    // ---------------------------------------------------------------- Retry

    @ParameterizedTest @MethodSource("apis")
    fun `retry succeeds after failures, with exact fixed delays`(api: ResilienceApi) = scenario {
        val retry = api.retry(RetrySpec(maxAttempts = 3, fixedBackoff = 100.milliseconds))
        val attempts = mutableListOf<Long>()
        val result = retry.call {
            attempts += now()
            if (attempts.size < 3) throw Boom(attempts.size)
            "ok"
        }
        assertEquals("ok", result)
        assertEquals(listOf(0L, 100L, 200L), attempts)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `retry rethrows the last failure with the earlier ones suppressed`(api: ResilienceApi) = scenario {
        val retry = api.retry(RetrySpec(maxAttempts = 3, fixedBackoff = 100.milliseconds))
        val thrown = mutableListOf<Boom>()
        val failure = assertFailsWith<Boom> {
            retry.call<Unit> { throw Boom(thrown.size).also { thrown += it } }
        }
        assertSame(thrown[2], failure)
        assertEquals(listOf<Throwable>(thrown[0], thrown[1]), failure.suppressed.toList())
        assertEquals(200L, now())
    }

    @ParameterizedTest @MethodSource("apis")
    fun `exponential backoff is capped by its maximum`(api: ResilienceApi) = scenario {
        val retry = api.retry(RetrySpec(maxAttempts = 5, exponential = Triple(100.milliseconds, 2.0, 300.milliseconds)))
        val attempts = mutableListOf<Long>()
        assertFailsWith<Boom> { retry.call<Unit> { attempts += now(); throw Boom(0) } }
        assertEquals(listOf(0L, 100L, 300L, 600L, 900L), attempts)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `jitter spreads delays within its bounds`(api: ResilienceApi) = scenario {
        val retry = api.retry(RetrySpec(maxAttempts = 20, fixedBackoff = 100.milliseconds, jitter = 0.5, seed = 42))
        val attempts = mutableListOf<Long>()
        assertFailsWith<Boom> { retry.call<Unit> { attempts += now(); throw Boom(0) } }
        val delays = attempts.zipWithNext { a, b -> b - a }
        assertEquals(19, delays.size)
        assertTrue(delays.all { it in 50L..150L }, "delays $delays")
        assertTrue(delays.toSet().size > 5, "delays vary: $delays")
    }

    @ParameterizedTest @MethodSource("apis")
    fun `maxDuration stops retries whose start would be too late`(api: ResilienceApi) = scenario {
        val retry = api.retry(RetrySpec(maxAttempts = null, maxDuration = 250.milliseconds, fixedBackoff = 100.milliseconds))
        val attempts = mutableListOf<Long>()
        assertFailsWith<Boom> { retry.call<Unit> { attempts += now(); throw Boom(attempts.size) } }
        assertEquals(listOf(0L, 100L, 200L), attempts)
        assertEquals(200L, now())
    }

    @ParameterizedTest @MethodSource("apis")
    fun `only matching exceptions are retried`(api: ResilienceApi) = scenario {
        val byType = api.retry(RetrySpec(fixedBackoff = 10.milliseconds, retryOn = listOf(IOException::class)))
        var calls = 0
        assertFailsWith<IllegalStateException> { byType.call<Unit> { calls++; throw IllegalStateException("no") } }
        assertEquals(1, calls)
        calls = 0
        assertFailsWith<Boom> { byType.call<Unit> { calls++; throw Boom(calls) } }
        assertEquals(3, calls)

        val byPredicate = api.retry(RetrySpec(fixedBackoff = 10.milliseconds, retryOnException = { it.message == "again" }))
        calls = 0
        assertFailsWith<IllegalStateException> { byPredicate.call<Unit> { calls++; throw IllegalStateException(if (calls == 1) "again" else "stop") } }
        assertEquals(2, calls)

        val default = api.retry(RetrySpec(fixedBackoff = 10.milliseconds))
        calls = 0
        assertFailsWith<AssertionError> { default.call<Unit> { calls++; throw AssertionError("an Error") } }
        assertEquals(1, calls, "errors are not retried by default")
    }

    @ParameterizedTest @MethodSource("apis")
    fun `results accepted by the result predicate are retried, the last one returned`(api: ResilienceApi) = scenario {
        val retry = api.retry(RetrySpec(maxAttempts = 3, fixedBackoff = 100.milliseconds, retryOnResult = { it == 503 }))
        val answers = ArrayDeque(listOf(503, 503, 200))
        assertEquals(200, retry.call { answers.removeFirst() })
        assertEquals(200L, now())
        var calls = 0
        assertEquals(503, retry.call { calls++; 503 })
        assertEquals(3, calls)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a timed-out attempt is a DeadlineExceededException and is retried`(api: ResilienceApi) = scenario {
        val retry = api.retry(RetrySpec(maxAttempts = 2, attemptTimeout = 1.seconds, fixedBackoff = 100.milliseconds))
        val attempts = mutableListOf<Long>()
        val result = retry.call {
            attempts += now()
            if (attempts.size == 1) delay(5.seconds)
            "second"
        }
        assertEquals("second", result)
        assertEquals(listOf(0L, 1100L), attempts)

        val failure = assertFailsWith<DeadlineExceededException> { retry.call<Unit> { awaitCancellation() } }
        assertTrue(failure is TimeoutException)
        assertEquals(1, failure.suppressed.size)
        assertTrue(failure.suppressed[0] is DeadlineExceededException)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `cancelling during a backoff stops at once`(api: ResilienceApi) = scenario {
        val retry = api.retry(RetrySpec(maxAttempts = 3, fixedBackoff = 100.milliseconds))
        val attempts = mutableListOf<Long>()
        val job = launch { retry.call<Unit> { attempts += now(); throw Boom(0) } }
        delay(50)
        job.cancel()
        job.join()
        assertEquals(50L, now())
        delay(1000)
        assertEquals(listOf(0L), attempts)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `cancelling during an attempt cancels it and never retries`(api: ResilienceApi) = scenario {
        val retry = api.retry(RetrySpec(maxAttempts = 3, fixedBackoff = 100.milliseconds))
        var attempts = 0
        var cleanedUp = false
        val job = launch {
            retry.call<Unit> {
                attempts++
                try { awaitCancellation() } finally { cleanedUp = true }
            }
        }
        delay(10)
        job.cancel()
        job.join()
        delay(1000)
        assertEquals(1, attempts)
        assertTrue(cleanedUp)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a CancellationException thrown by the call is not retried`(api: ResilienceApi) = scenario {
        val retry = api.retry(RetrySpec(maxAttempts = 3, fixedBackoff = 100.milliseconds))
        var attempts = 0
        assertFailsWith<CancellationException> { retry.call<Unit> { attempts++; throw CancellationException("gone") } }
        assertEquals(1, attempts)
    }

    // ---------------------------------------------------------------- CircuitBreaker

    private suspend fun BreakerGuard.fail(n: Int = 1) = repeat(n) {
        assertFailsWith<Boom> { call<Unit> { throw Boom(it) } }
    }

    private suspend fun BreakerGuard.succeed(n: Int = 1) = repeat(n) { assertEquals("ok", call { "ok" }) }

    @ParameterizedTest @MethodSource("apis")
    fun `the breaker opens at the threshold once the window holds the minimum of calls`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(failureRateThreshold = 50.0, minimumCalls = 4, countWindow = 4))
        val states = mutableListOf<CircuitState>()
        breaker.addListener { if (states.lastOrNull() != it.state) states += it.state }
        breaker.fail(3)
        assertEquals(CircuitState.CLOSED, breaker.state, "3 calls < minimum of 4")
        assertEquals(3, breaker.snapshot.failures)
        breaker.succeed()
        assertEquals(CircuitState.OPEN, breaker.state, "3/4 failed")
        var ran = false
        val rejected = assertFailsWith<CircuitOpenException> { breaker.call { ran = true } }
        assertFalse(ran)
        assertEquals(CircuitState.OPEN, rejected.state)
        assertEquals(10.seconds, rejected.retryAfter)
        assertTrue("10s" in rejected.message!!, rejected.message)
        assertEquals(1L, breaker.snapshot.rejectedCalls)
        assertEquals(listOf(CircuitState.CLOSED, CircuitState.OPEN), states)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a count window drops its oldest outcome`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(failureRateThreshold = 50.0, minimumCalls = 4, countWindow = 4))
        breaker.fail(); breaker.succeed(3)                  // [F S S S] 25 %
        assertEquals(1, breaker.snapshot.failures)
        breaker.fail()                                      // [S S S F] 25 %: the first F left
        assertEquals(CircuitState.CLOSED, breaker.state)
        assertEquals(4, breaker.snapshot.calls)
        assertEquals(1, breaker.snapshot.failures)
        breaker.fail()                                      // [S S F F] 50 %
        assertEquals(CircuitState.OPEN, breaker.state)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a time window counts an outcome until its bucket leaves`(api: ResilienceApi) = scenario {
        // 10 s in 10 buckets of 1 s, aligned on the first outcome (t = 0).
        val breaker = api.breaker(
            BreakerSpec(failureRateThreshold = 60.0, minimumCalls = 2, countWindow = null, timeWindow = 10.seconds to 10),
        )
        delay(500); breaker.fail()                          // t = 0.5 s, bucket 0: origin is here
        delay(9_499); breaker.succeed()                     // t = 9.999 s, bucket 9
        assertEquals(2, breaker.snapshot.calls)
        assertEquals(1, breaker.snapshot.failures)
        delay(1); breaker.succeed()                         // t = 10.0 s: 9.5 s after the origin, still bucket 9
        assertEquals(3, breaker.snapshot.calls)
        delay(500); breaker.succeed()                       // t = 10.5 s: bucket 10, bucket 0 left
        assertEquals(3, breaker.snapshot.calls)
        assertEquals(0, breaker.snapshot.failures)
        delay(10_000); breaker.fail()                       // t = 20.5 s: only this one
        assertEquals(1, breaker.snapshot.calls)
        breaker.fail()
        assertEquals(CircuitState.OPEN, breaker.state)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `open fails fast until the open duration, then a successful trial closes it`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 2, countWindow = 2, openDuration = 10.seconds))
        val states = mutableListOf<CircuitState>()
        breaker.addListener { if (states.lastOrNull() != it.state) states += it.state }
        breaker.fail(2)
        delay(9_999)
        val early = assertFailsWith<CircuitOpenException> { breaker.succeed() }
        assertEquals(1.milliseconds, early.retryAfter)
        delay(1)
        breaker.succeed()
        assertEquals(CircuitState.CLOSED, breaker.state)
        assertEquals(0, breaker.snapshot.calls, "closing starts an empty window")
        assertEquals(listOf(CircuitState.CLOSED, CircuitState.OPEN, CircuitState.HALF_OPEN, CircuitState.CLOSED), states)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a failure in half-open reopens the breaker for a new open duration`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 2, countWindow = 2, openDuration = 10.seconds, halfOpenTrialCalls = 2))
        breaker.fail(2)
        delay(10_000)
        breaker.succeed()
        assertEquals(CircuitState.HALF_OPEN, breaker.state)
        assertEquals(1, breaker.snapshot.calls)
        breaker.fail()
        assertEquals(CircuitState.OPEN, breaker.state)
        assertEquals(10.seconds, assertFailsWith<CircuitOpenException> { breaker.succeed() }.retryAfter)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `half-open lets the trial calls through and rejects concurrent callers beyond them`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 2, countWindow = 2, openDuration = 10.seconds, halfOpenTrialCalls = 2))
        breaker.fail(2)
        delay(10_000)
        val gate = CompletableDeferred<Unit>()
        val started = mutableListOf<String>()
        val a = async { breaker.call { started += "a"; gate.await(); "a" } }
        val b = async { breaker.call { started += "b"; gate.await(); "b" } }
        delay(1)
        assertEquals(listOf("a", "b"), started)
        assertEquals(CircuitState.HALF_OPEN, breaker.state)
        val rejected = assertFailsWith<CircuitOpenException> { breaker.call { started += "c" } }
        assertEquals(CircuitState.HALF_OPEN, rejected.state)
        assertEquals(Duration.ZERO, rejected.retryAfter)
        gate.complete(Unit)
        assertEquals("a", a.await())
        assertEquals("b", b.await())
        assertEquals(CircuitState.CLOSED, breaker.state)
        assertEquals(listOf("a", "b"), started)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a cancelled trial call frees its slot and counts as nothing`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 2, countWindow = 2, openDuration = 10.seconds))
        breaker.fail(2)
        delay(10_000)
        val trial = launch { breaker.call { awaitCancellation() } }
        delay(1)
        assertFailsWith<CircuitOpenException> { breaker.succeed() }
        trial.cancel()
        trial.join()
        delay(1)
        assertEquals(CircuitState.HALF_OPEN, breaker.state)
        breaker.succeed()
        assertEquals(CircuitState.CLOSED, breaker.state)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a throwing listener changes nothing for the call`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 2, countWindow = 2, openDuration = 10.seconds))
        val previous = Thread.currentThread().uncaughtExceptionHandler
        val reported = mutableListOf<Throwable>()
        Thread.currentThread().setUncaughtExceptionHandler { _, e -> reported += e }
        try {
            breaker.addListener { throw IllegalStateException("listener bug") }
            breaker.fail(2)
            delay(10_000)
            breaker.succeed()
            assertEquals(CircuitState.CLOSED, breaker.state, "the trial slot was not leaked")
            assertEquals(4, reported.size)
        } finally {
            Thread.currentThread().uncaughtExceptionHandler = previous
        }
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a cancelled call is neither success nor failure`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 2, countWindow = 2))
        val job = launch { breaker.call { awaitCancellation() } }
        delay(1)
        job.cancel()
        job.join()
        delay(1)
        assertEquals(0, breaker.snapshot.calls)
        assertEquals(CircuitState.CLOSED, breaker.state)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `slow calls count as failures`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 3, countWindow = 3, slowCallDuration = 1.seconds))
        breaker.call { delay(1_000) }                       // exactly the limit: not slow
        assertEquals(0, breaker.snapshot.slowCalls)
        breaker.call { delay(1_001) }                       // [ok, slow]
        assertEquals(2, breaker.snapshot.calls)
        assertEquals(1, breaker.snapshot.slowCalls)
        assertEquals(1, breaker.snapshot.failures)
        breaker.succeed()                                   // [ok, slow, ok]: 33 %
        assertEquals(CircuitState.CLOSED, breaker.state)
        breaker.call { delay(5_000) }                       // [slow, ok, slow]: 67 %
        assertEquals(CircuitState.OPEN, breaker.state)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `exceptions outside failOn count as successes and are rethrown`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 2, countWindow = 2, failOn = listOf(IOException::class)))
        repeat(2) { assertFailsWith<IllegalStateException> { breaker.call<Unit> { throw IllegalStateException("not counted") } } }
        assertEquals(CircuitState.CLOSED, breaker.state)
        assertEquals(2, breaker.snapshot.calls)
        assertEquals(0, breaker.snapshot.failures)
        breaker.fail()                                      // [S F]: 50 %
        assertEquals(CircuitState.OPEN, breaker.state)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `reset closes the breaker with an empty window from any state`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 2, countWindow = 2, openDuration = 10.seconds))
        breaker.fail()
        breaker.reset()                                     // CLOSED -> CLOSED: the window is cleared
        assertEquals(CircuitState.CLOSED, breaker.state)
        assertEquals(0, breaker.snapshot.calls)
        breaker.fail()
        assertEquals(CircuitState.CLOSED, breaker.state, "one failure in the new window is below the minimum")
        breaker.fail()
        assertEquals(CircuitState.OPEN, breaker.state)
        assertFailsWith<CircuitOpenException> { breaker.succeed() }
        breaker.reset()                                     // OPEN -> CLOSED before the open duration
        assertEquals(CircuitState.CLOSED, breaker.state)
        breaker.succeed()
        assertEquals(1, breaker.snapshot.calls)
        assertEquals(1L, breaker.snapshot.rejectedCalls, "rejections count since creation")

        breaker.fail()                                      // [S F]: 50 %
        assertEquals(CircuitState.OPEN, breaker.state)
        delay(10_000)
        val gate = CompletableDeferred<Unit>()
        val trial = async { runCatching { breaker.call<Unit> { gate.await(); throw Boom(1) } } }
        delay(1)
        assertEquals(CircuitState.HALF_OPEN, breaker.state)
        val states = mutableListOf<CircuitState>()
        breaker.addListener { states += it.state }
        breaker.reset()                                     // HALF_OPEN -> CLOSED with a trial in flight
        assertEquals(listOf(CircuitState.CLOSED), states, "listeners see the reset")
        gate.complete(Unit)
        assertIs<Boom>(trial.await().exceptionOrNull())
        assertEquals(CircuitState.CLOSED, breaker.state, "a call admitted before the reset is not counted")
        assertEquals(0, breaker.snapshot.calls)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `forceOpen rejects every call until reset, however long it stays open`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 2, countWindow = 2, openDuration = 10.seconds))
        breaker.succeed()
        val gate = CompletableDeferred<Unit>()
        val inFlight = async { runCatching { breaker.call<Unit> { gate.await(); throw Boom(1) } } }
        delay(1)
        breaker.forceOpen()
        assertEquals(CircuitState.OPEN, breaker.state)
        assertEquals(0, breaker.snapshot.calls)
        gate.complete(Unit)
        assertIs<Boom>(inFlight.await().exceptionOrNull())
        delay(60_000)                                       // far beyond the open duration
        var ran = false
        val rejected = assertFailsWith<CircuitOpenException> { breaker.call { ran = true } }
        assertFalse(ran)
        assertEquals(CircuitState.OPEN, rejected.state)
        assertEquals(Duration.INFINITE, rejected.retryAfter)
        assertEquals("Circuit breaker 'test' is forced OPEN; it stays open until it is reset", rejected.message)
        assertEquals(CircuitState.OPEN, breaker.state, "no trial call after a forced open")
        breaker.reset()
        breaker.succeed()
        assertEquals(CircuitState.CLOSED, breaker.state)
        assertEquals(1, breaker.snapshot.calls)
    }

    // ---------------------------------------------------------------- RateLimiter

    @ParameterizedTest @MethodSource("apis")
    fun `the rate limiter lets the burst through, then the rate, first in first out`(api: ResilienceApi) = scenario {
        val limiter = api.limiter(LimiterSpec(permits = 10, period = 1.seconds, burst = 5))
        val served = mutableListOf<Pair<Int, Long>>()
        val jobs = (0 until 105).map { i -> launch { limiter.acquire(); served += i to now() } }
        jobs.forEach { it.join() }
        assertEquals((0 until 105).toList(), served.map { it.first }, "FIFO")
        val expected = (0 until 105).map { i -> if (i < 5) 0L else (i - 4) * 100L }
        assertEquals(expected, served.map { it.second })
        assertEquals(10_000L, now(), "105 = burst 5 + 10/s over 10 s")
    }

    @ParameterizedTest @MethodSource("apis")
    fun `the long-run rate holds and idle time refills only up to the burst`(api: ResilienceApi) = scenario {
        val limiter = api.limiter(LimiterSpec(permits = 4, period = 1.seconds, burst = 2))
        repeat(2 + 4 * 60) { limiter.call { } }
        assertEquals(60_000L, now())
        delay(10_000)
        val t0 = now()
        repeat(3) { limiter.acquire() }
        assertEquals(250L, now() - t0, "2 from the burst at once, the third 250 ms later")
    }

    @ParameterizedTest @MethodSource("apis")
    fun `tryAcquire takes a token only when one is there`(api: ResilienceApi) = scenario {
        val limiter = api.limiter(LimiterSpec(permits = 10, period = 1.seconds, burst = 2))
        assertTrue(limiter.tryAcquire())
        assertTrue(limiter.tryAcquire())
        assertFalse(limiter.tryAcquire())
        delay(99)
        assertFalse(limiter.tryAcquire())
        delay(1)
        assertTrue(limiter.tryAcquire())
        assertFalse(limiter.tryAcquire())
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a cancelled waiter keeps no token`(api: ResilienceApi) = scenario {
        val limiter = api.limiter(LimiterSpec(permits = 1, period = 1.seconds, burst = 1))
        limiter.acquire()
        var firstGot = false
        var secondAt = -1L
        val first = launch { limiter.acquire(); firstGot = true }
        val second = launch { limiter.acquire(); secondAt = now() }
        delay(500)
        first.cancel()
        first.join()
        second.join()
        assertFalse(firstGot)
        assertEquals(1_000L, secondAt, "the token the cancelled waiter waited for went to the next")
        assertFalse(limiter.tryAcquire())
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a multi-token request waits for all its tokens and smaller ones behind it never overtake it`(api: ResilienceApi) = scenario {
        val limiter = api.limiter(LimiterSpec(permits = 10, period = 1.seconds, burst = 5))  // a token per 100 ms
        limiter.acquire(4)                                  // 1 token left
        assertEquals(0L, now())
        val served = mutableListOf<Pair<String, Long>>()
        val big = launch { limiter.acquire(5); served += "big" to now() }
        val small = launch { limiter.acquire(1); served += "small" to now() }
        delay(100)
        assertFalse(limiter.tryAcquire(1), "2 tokens are there, but nobody overtakes a waiter")
        big.join(); small.join()
        assertEquals(listOf("big" to 400L, "small" to 500L), served)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `tryAcquire of n takes all n tokens or none`(api: ResilienceApi) = scenario {
        val limiter = api.limiter(LimiterSpec(permits = 10, period = 1.seconds, burst = 5))
        assertTrue(limiter.tryAcquire(3))
        assertFalse(limiter.tryAcquire(3), "2 left: none taken")
        assertTrue(limiter.tryAcquire(2))
        delay(300)
        assertTrue(limiter.tryAcquire(3))
        assertFalse(limiter.tryAcquire(1))
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a cancelled multi-token request keeps no token`(api: ResilienceApi) = scenario {
        val limiter = api.limiter(LimiterSpec(permits = 10, period = 1.seconds, burst = 5))
        limiter.acquire(5)                                  // empty at t = 0
        var bigGot = false
        var smallAt = -1L
        val big = launch { limiter.acquire(5); bigGot = true }
        val small = launch { limiter.acquire(2); smallAt = now() }
        delay(300)                                          // 3 tokens accrued, held back for the big request
        big.cancel()
        big.join()
        small.join()
        assertFalse(bigGot)
        assertEquals(300L, smallAt, "the tokens the cancelled request waited for go to the next at once")
        assertTrue(limiter.tryAcquire(1), "3 - 2 = 1 token left: the cancelled request took none")
        assertFalse(limiter.tryAcquire(1))
    }

    @ParameterizedTest @MethodSource("apis")
    fun `asking for more tokens than the burst, or fewer than one, is a misuse error`(api: ResilienceApi) = scenario {
        val limiter = api.limiter(LimiterSpec(permits = 10, period = 1.seconds, burst = 5))
        assertEquals(
            "permits 6 > burst 5: the bucket never holds that many tokens",
            assertFailsWith<IllegalArgumentException> { limiter.acquire(6) }.message,
        )
        assertEquals(
            "permits 6 > burst 5: the bucket never holds that many tokens",
            assertFailsWith<IllegalArgumentException> { limiter.tryAcquire(6) }.message,
        )
        assertEquals("permits < 1: 0", assertFailsWith<IllegalArgumentException> { limiter.acquire(0) }.message)
        assertEquals("permits < 1: -1", assertFailsWith<IllegalArgumentException> { limiter.tryAcquire(-1) }.message)
        assertEquals(0L, now(), "a misuse error comes at once")
        assertTrue(limiter.tryAcquire(5), "misuse took no token")
    }

    // ---------------------------------------------------------------- Bulkhead

    @ParameterizedTest @MethodSource("apis")
    fun `the bulkhead runs N, queues M and rejects the rest`(api: ResilienceApi) = scenario {
        val bulkhead = api.bulkhead(BulkheadSpec(maxConcurrentCalls = 2, maxWaitingCalls = 1))
        val gate = CompletableDeferred<Unit>()
        val started = mutableListOf<String>()
        val calls = listOf("a", "b", "c").map { name -> async { bulkhead.call { started += name; gate.await(); name } } }
        delay(1)
        assertEquals(listOf("a", "b"), started)
        assertEquals(2, bulkhead.activeCalls)
        assertEquals(1, bulkhead.waitingCalls)
        val full = assertFailsWith<BulkheadFullException> { bulkhead.call { started += "d" } }
        assertTrue("maxConcurrentCalls=2" in full.message!!, full.message)
        gate.complete(Unit)
        assertEquals(listOf("a", "b", "c"), calls.map { it.await() })
        assertEquals(listOf("a", "b", "c"), started)
        assertEquals(0, bulkhead.activeCalls)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `the bulkhead serves waiters in order and a cancelled waiter keeps no slot`(api: ResilienceApi) = scenario {
        val bulkhead = api.bulkhead(BulkheadSpec(maxConcurrentCalls = 1, maxWaitingCalls = 2))
        val gate = CompletableDeferred<Unit>()
        val order = mutableListOf<String>()
        val a = launch { bulkhead.call { order += "a"; gate.await() } }
        val b = launch { bulkhead.call { order += "b" } }
        val c = launch { bulkhead.call { order += "c" } }
        delay(1)
        assertEquals(2, bulkhead.waitingCalls)
        b.cancel()
        b.join()
        delay(1)
        assertEquals(1, bulkhead.waitingCalls)
        val d = launch { bulkhead.call { order += "d" } }
        delay(1)
        gate.complete(Unit)
        a.join(); c.join(); d.join()
        assertEquals(listOf("a", "c", "d"), order)
        assertEquals(0, bulkhead.activeCalls)
        assertEquals(0, bulkhead.waitingCalls)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a waiter that waits longer than maxWaitTime fails saying it timed out and leaves the line`(api: ResilienceApi) = scenario {
        val bulkhead = api.bulkhead(BulkheadSpec(maxConcurrentCalls = 1, maxWaitingCalls = 2, maxWaitTime = 1.seconds))
        val gate = CompletableDeferred<Unit>()
        val order = mutableListOf<String>()
        launch { bulkhead.call { order += "a"; gate.await() } }
        delay(1)
        val b = async { runCatching { bulkhead.call { order += "b" } } }           // waits from t = 1
        delay(500)
        val c = async { bulkhead.call { order += "c"; now() } }                    // waits from t = 501
        delay(1)
        assertEquals(2, bulkhead.waitingCalls)
        val timedOut = assertIs<BulkheadFullException>(b.await().exceptionOrNull())
        assertEquals(1_001L, now())
        assertEquals("Bulkhead timed out after waiting 1s for a slot (maxConcurrentCalls=1, maxWaitTime=1s)", timedOut.message)
        assertEquals(1, bulkhead.waitingCalls)
        gate.complete(Unit)
        assertEquals(1_001L, c.await(), "a waiter served within its time runs")
        assertEquals(listOf("a", "c"), order)
        assertEquals(0, bulkhead.activeCalls)
        assertEquals(0, bulkhead.waitingCalls)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a waiter cancelled before its maxWaitTime leaves the line at once`(api: ResilienceApi) = scenario {
        val bulkhead = api.bulkhead(BulkheadSpec(maxConcurrentCalls = 1, maxWaitingCalls = 1, maxWaitTime = 1.seconds))
        val gate = CompletableDeferred<Unit>()
        launch { bulkhead.call { gate.await() } }
        delay(1)
        var ran = false
        val waiter = launch { bulkhead.call { ran = true } }
        delay(100)
        waiter.cancel()
        waiter.join()
        assertEquals(101L, now())
        assertEquals(0, bulkhead.waitingCalls)
        gate.complete(Unit)
        delay(2_000)
        assertFalse(ran)
        assertEquals(0, bulkhead.activeCalls)
    }

    // ---------------------------------------------------------------- Composition

    @ParameterizedTest @MethodSource("apis")
    fun `a breaker around a retry around a timeout`(api: ResilienceApi) = scenario {
        val breaker = api.breaker(BreakerSpec(minimumCalls = 2, countWindow = 2, openDuration = 30.seconds))
        val retry = api.retry(RetrySpec(maxAttempts = 2, fixedBackoff = 100.milliseconds))
        val guarded = api.pipeline(breaker, retry, 1.seconds)
        var attempts = 0
        val failure = assertFailsWith<DeadlineExceededException> { guarded.call<Unit> { attempts++; awaitCancellation() } }
        assertEquals(2100L, now(), "two 1 s attempts and a 100 ms backoff")
        assertEquals(2, attempts)
        assertEquals(1, failure.suppressed.size)
        assertEquals(1, breaker.snapshot.failures, "the breaker sees one call")
        assertEquals("fine", guarded.call { "fine" })
        assertEquals(CircuitState.OPEN, breaker.state, "1 failure of 2 = 50 %")
        assertFailsWith<CircuitOpenException> { guarded.call { attempts++ } }
        assertEquals(2, attempts)
    }

    // ---------------------------------------------------------------- Configuration

    @ParameterizedTest @MethodSource("apis")
    fun `bad configuration fails at build time naming the field`(api: ResilienceApi) = scenario {
        fun expect(message: String, build: () -> Unit) =
            assertEquals(message, assertFailsWith<IllegalArgumentException> { build() }.message)

        expect("maxAttempts < 1: 0") { api.retry(RetrySpec(maxAttempts = 0)) }
        expect("maxDuration is negative: -1s") { api.retry(RetrySpec(maxDuration = (-1).seconds)) }
        expect("maxAttempts and maxDuration are both unlimited: the retry would never stop") {
            api.retry(RetrySpec(maxAttempts = null))
        }
        expect("attemptTimeout is negative: -1ms") { api.retry(RetrySpec(attemptTimeout = (-1).milliseconds)) }
        expect("fixedBackoff delay is negative: -1s") { api.retry(RetrySpec(fixedBackoff = (-1).seconds)) }
        expect("exponentialBackoff initial is negative: -1s") {
            api.retry(RetrySpec(exponential = Triple((-1).seconds, 2.0, null)))
        }
        expect("exponentialBackoff factor < 1: 0.5") { api.retry(RetrySpec(exponential = Triple(1.seconds, 0.5, null))) }
        expect("jitter outside 0..1: 1.5") { api.retry(RetrySpec(jitter = 1.5)) }

        expect("failureRateThreshold outside (0, 100] %: 0.0") { api.breaker(BreakerSpec(failureRateThreshold = 0.0)) }
        expect("failureRateThreshold outside (0, 100] %: 100.5") { api.breaker(BreakerSpec(failureRateThreshold = 100.5)) }
        expect("minimumCalls < 1: 0") { api.breaker(BreakerSpec(minimumCalls = 0)) }
        expect("slowCallDuration is negative: -1s") { api.breaker(BreakerSpec(slowCallDuration = (-1).seconds)) }
        expect("openDuration is not positive: -1s") { api.breaker(BreakerSpec(openDuration = (-1).seconds)) }
        expect("halfOpenTrialCalls < 1: 0") { api.breaker(BreakerSpec(halfOpenTrialCalls = 0)) }
        expect("countBasedWindow size < 1: 0") { api.breaker(BreakerSpec(countWindow = 0)) }
        expect("timeBasedWindow length is not positive: 0s") {
            api.breaker(BreakerSpec(countWindow = null, timeWindow = Duration.ZERO to 10))
        }

        expect("permits < 1: 0") { api.limiter(LimiterSpec(permits = 0)) }
        expect("period is not positive: 0s") { api.limiter(LimiterSpec(period = Duration.ZERO)) }
        expect("burst < 1: 0") { api.limiter(LimiterSpec(burst = 0)) }

        expect("maxConcurrentCalls < 1: 0") { api.bulkhead(BulkheadSpec(maxConcurrentCalls = 0)) }
        expect("maxWaitingCalls < 0: -1") { api.bulkhead(BulkheadSpec(maxWaitingCalls = -1)) }
        expect("maxWaitTime is negative: -1s") { api.bulkhead(BulkheadSpec(maxWaitTime = (-1).seconds)) }
    }
}
