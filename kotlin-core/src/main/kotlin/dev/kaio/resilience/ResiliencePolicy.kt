@file:JvmName("ResiliencePolicies")

package dev.kaio.resilience

import dev.kaio.timeout
import kotlin.time.Duration

/**
 * Something that wraps a call: [Retry], [CircuitBreaker], [RateLimiter], [Bulkhead], a timeout, or
 * a pipeline of them built with [resilience].
 *
 * Every policy suspends instead of blocking a thread, reads time from the caller's `KaioClock`
 * (`currentTimeSource()`) and waits with `delay`, so it runs on virtual time under
 * `kotlinx-coroutines-test`.
 *
 * **Cancellation.** Cancelling the caller cancels the wrapped block and any wait of the policy
 * (a backoff, a queue position) at once; a policy never treats cancellation as a failure and never
 * retries it.
 */
public interface ResiliencePolicy {
    /** Runs [block] under this policy and returns its result or rethrows its failure. */
    public suspend fun <T> call(block: suspend () -> T): T
}

/**
 * Builds a pipeline of policies, outermost first, so that it reads the way the calls nest:
 *
 * ```
 * val guarded = resilience {
 *     circuitBreaker(breaker)                 // outermost: sees one call per retried operation
 *     retry { maxAttempts = 3; exponentialBackoff(100.milliseconds) }
 *     timeout(2.seconds)                      // innermost: each attempt gets 2 s
 * }
 * val product = guarded.call { client.fetchProduct(id) }
 * ```
 *
 * is `breaker.call { retry.call { timeout(2.seconds) { client.fetchProduct(id) } } }`, which is
 * exactly what it runs. An empty pipeline runs the block as it is.
 */
public fun resilience(configure: ResilienceBuilder.() -> Unit): ResiliencePolicy =
    ResilienceBuilder().apply(configure).build()

/** Collects the stages of a [resilience] pipeline, outermost first. */
public class ResilienceBuilder internal constructor() {
    private val stages = ArrayList<ResiliencePolicy>()

    /** Adds [policy] inside the stages added so far. */
    public fun use(policy: ResiliencePolicy) {
        stages += policy
    }

    /** Adds [breaker]; calls it rejects never reach the stages added after it. */
    public fun circuitBreaker(breaker: CircuitBreaker): Unit = use(breaker)

    /** Adds a new [CircuitBreaker] configured by [configure]. */
    public fun circuitBreaker(configure: CircuitBreakerBuilder.() -> Unit): Unit = use(CircuitBreaker(configure))

    /** Adds [retry]; it retries everything added after it. */
    public fun retry(retry: Retry): Unit = use(retry)

    /** Adds a new [Retry] configured by [configure]. */
    public fun retry(configure: RetryBuilder.() -> Unit): Unit = use(Retry(configure))

    /** Adds [limiter]: each call through this stage takes one token. */
    public fun rateLimiter(limiter: RateLimiter): Unit = use(limiter)

    /** Adds [bulkhead]. */
    public fun bulkhead(bulkhead: Bulkhead): Unit = use(bulkhead)

    /**
     * Adds a timeout of [duration] around the stages added after it (Kaio's [dev.kaio.timeout]):
     * a call that takes longer fails with `DeadlineExceededException`, a
     * `java.util.concurrent.TimeoutException`, which an enclosing [Retry] may retry and an
     * enclosing [CircuitBreaker] counts as a failure.
     *
     * @throws IllegalArgumentException if [duration] is negative.
     */
    public fun timeout(duration: Duration) {
        require(!duration.isNegative()) { "timeout is negative: $duration" }
        use(TimeoutPolicy(duration))
    }

    internal fun build(): ResiliencePolicy = when (stages.size) {
        0 -> PassThrough
        1 -> stages[0]
        else -> Pipeline(stages.toTypedArray())
    }
}

private object PassThrough : ResiliencePolicy {
    override suspend fun <T> call(block: suspend () -> T): T = block()
}

internal class TimeoutPolicy(private val duration: Duration) : ResiliencePolicy {
    override suspend fun <T> call(block: suspend () -> T): T = timeout(duration) { block() }
    override fun toString(): String = "Timeout($duration)"
}

private class Pipeline(private val stages: Array<ResiliencePolicy>) : ResiliencePolicy {
    override suspend fun <T> call(block: suspend () -> T): T = callFrom(0, block)

    private suspend fun <T> callFrom(index: Int, block: suspend () -> T): T =
        if (index == stages.size) block() else stages[index].call { callFrom(index + 1, block) }

    override fun toString(): String = stages.joinToString(" > ", "Pipeline(", ")")
}
