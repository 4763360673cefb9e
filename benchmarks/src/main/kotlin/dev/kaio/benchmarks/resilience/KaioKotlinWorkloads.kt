package dev.kaio.benchmarks.resilience

import dev.kaio.resilience.CircuitBreaker
import dev.kaio.resilience.Retry
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.startCoroutine
import kotlin.time.Duration

/**
 * The Kotlin side of ResilienceBenchmark: a successful no-op call through Kaio's Kotlin API, as a
 * coroutine started on the calling thread (the block never suspends, so it completes in place).
 */
object KaioKotlinWorkloads {
    @JvmStatic
    fun closedBreaker(): CircuitBreaker = CircuitBreaker {
        name = "bench"
        countBasedWindow(100)
        minimumCalls = 100
    }

    @JvmStatic
    fun retry(): Retry = Retry {
        maxAttempts = 3
        fixedBackoff(Duration.ZERO)
    }

    @JvmStatic
    fun callBreaker(breaker: CircuitBreaker, value: Int): Int = runInPlace { breaker.call { value } }

    @JvmStatic
    fun callRetry(retry: Retry, value: Int): Int = runInPlace { retry.call { value } }

    private class Result : Continuation<Int> {
        var value = 0
        override val context: CoroutineContext get() = EmptyCoroutineContext
        override fun resumeWith(result: kotlin.Result<Int>) {
            value = result.getOrThrow()
        }
    }

    private fun runInPlace(block: suspend () -> Int): Int {
        val result = Result()
        block.startCoroutine(result)
        return result.value
    }
}
