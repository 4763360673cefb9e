package dev.kaio.java.resilience

import dev.kaio.interop.awaitOwned
import dev.kaio.interop.launchFuture
import dev.kaio.resilience.CircuitBreakerSnapshot
import dev.kaio.resilience.CircuitState
import kotlin.reflect.KClass
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import kotlin.random.asKotlinRandom
import dev.kaio.resilience.Bulkhead as KBulkhead
import dev.kaio.resilience.CircuitBreaker as KCircuitBreaker
import dev.kaio.resilience.RateLimiter as KRateLimiter
import dev.kaio.resilience.ResiliencePolicy as KPolicy
import dev.kaio.resilience.Retry as KRetry
import dev.kaio.resilience.resilience as kResilience

/*
 * One description of each component (a *Spec), two ways to build and call it: the Kotlin API and
 * the Java facade called from Kotlin. Every scenario in ResilienceScenariosTest runs against both.
 */

data class RetrySpec(
    val maxAttempts: Int? = 3,
    val maxDuration: Duration? = null,
    val attemptTimeout: Duration? = null,
    val fixedBackoff: Duration? = null,
    val exponential: Triple<Duration, Double, Duration?>? = null,
    val jitter: Double = 0.0,
    val seed: Long? = null,
    val retryOn: List<KClass<out Throwable>> = emptyList(),
    val retryOnException: ((Throwable) -> Boolean)? = null,
    val retryOnResult: ((Any?) -> Boolean)? = null,
)

data class BreakerSpec(
    val name: String = "test",
    val failureRateThreshold: Double = 50.0,
    val minimumCalls: Int = 4,
    val slowCallDuration: Duration? = null,
    val openDuration: Duration = Duration.parse("10s"),
    val halfOpenTrialCalls: Int = 1,
    val countWindow: Int? = 4,
    val timeWindow: Pair<Duration, Int>? = null,
    val failOn: List<KClass<out Throwable>> = emptyList(),
)

data class LimiterSpec(val permits: Int = 10, val period: Duration = Duration.parse("1s"), val burst: Int? = null)

data class BulkheadSpec(val maxConcurrentCalls: Int = 2, val maxWaitingCalls: Int = 0, val maxWaitTime: Duration? = null)

/** A built component, called the way its API calls it. */
interface Guard {
    suspend fun <T> call(block: suspend () -> T): T
}

interface BreakerGuard : Guard {
    val state: CircuitState
    val snapshot: CircuitBreakerSnapshot
    fun addListener(listener: (CircuitBreakerSnapshot) -> Unit): AutoCloseable
    fun reset()
    fun forceOpen()
}

interface LimiterGuard : Guard {
    suspend fun acquire()
    suspend fun acquire(permits: Int)
    suspend fun tryAcquire(): Boolean
    suspend fun tryAcquire(permits: Int): Boolean
}

interface BulkheadGuard : Guard {
    val activeCalls: Int
    val waitingCalls: Int
}

/** The two APIs under test. Scenarios run inside `runAsLoop` on virtual time. */
interface ResilienceApi {
    fun retry(spec: RetrySpec): Guard
    fun breaker(spec: BreakerSpec): BreakerGuard
    fun limiter(spec: LimiterSpec): LimiterGuard
    fun bulkhead(spec: BulkheadSpec): BulkheadGuard

    /** `breaker` around `retry` around a `timeout`. */
    fun pipeline(breaker: BreakerGuard, retry: Guard, timeout: Duration): Guard
}

object KotlinApi : ResilienceApi {
    override fun toString() = "Kotlin"

    private class Wrap(val policy: KPolicy) : Guard {
        override suspend fun <T> call(block: suspend () -> T): T = policy.call(block)
    }

    override fun retry(spec: RetrySpec): Guard = Wrap(KRetry {
        maxAttempts = spec.maxAttempts
        spec.maxDuration?.let { maxDuration = it }
        spec.attemptTimeout?.let { attemptTimeout = it }
        spec.fixedBackoff?.let { fixedBackoff(it) }
        spec.exponential?.let { (initial, factor, max) -> exponentialBackoff(initial, factor, max ?: Duration.INFINITE) }
        if (spec.jitter != 0.0 || spec.seed != null) {
            jitter(spec.jitter, java.util.Random(spec.seed ?: 0).asKotlinRandom())
        }
        if (spec.retryOn.isNotEmpty()) retryOn(*spec.retryOn.toTypedArray())
        spec.retryOnException?.let { retryOnException(it) }
        spec.retryOnResult?.let { retryOnResult(it) }
    })

    override fun breaker(spec: BreakerSpec): BreakerGuard {
        val breaker = KCircuitBreaker {
            name = spec.name
            failureRateThreshold = spec.failureRateThreshold
            minimumCalls = spec.minimumCalls
            slowCallDuration = spec.slowCallDuration
            openDuration = spec.openDuration
            halfOpenTrialCalls = spec.halfOpenTrialCalls
            spec.countWindow?.let { countBasedWindow(it) }
            spec.timeWindow?.let { (length, buckets) -> timeBasedWindow(length, buckets) }
            if (spec.failOn.isNotEmpty()) failOn(*spec.failOn.toTypedArray())
        }
        return object : BreakerGuard {
            override suspend fun <T> call(block: suspend () -> T): T = breaker.call(block)
            override val state get() = breaker.state
            override val snapshot get() = breaker.snapshots.value
            override fun addListener(listener: (CircuitBreakerSnapshot) -> Unit): AutoCloseable {
                val handle = breaker.addListener(listener)
                return AutoCloseable { handle.dispose() }
            }
            override fun reset() = breaker.reset()
            override fun forceOpen() = breaker.forceOpen()
            override fun toString() = breaker.toString()
        }.also { policies[it] = breaker }
    }

    override fun limiter(spec: LimiterSpec): LimiterGuard {
        val limiter = KRateLimiter {
            permits = spec.permits
            period = spec.period
            burst = spec.burst
        }
        return object : LimiterGuard {
            override suspend fun <T> call(block: suspend () -> T): T = limiter.call(block)
            override suspend fun acquire() = limiter.acquire()
            override suspend fun acquire(permits: Int) = limiter.acquire(permits)
            override suspend fun tryAcquire(): Boolean = limiter.tryAcquire()
            override suspend fun tryAcquire(permits: Int): Boolean = limiter.tryAcquire(permits)
        }
    }

    override fun bulkhead(spec: BulkheadSpec): BulkheadGuard {
        val bulkhead = KBulkhead {
            maxConcurrentCalls = spec.maxConcurrentCalls
            maxWaitingCalls = spec.maxWaitingCalls
            maxWaitTime = spec.maxWaitTime
        }
        return object : BulkheadGuard {
            override suspend fun <T> call(block: suspend () -> T): T = bulkhead.call(block)
            override val activeCalls get() = bulkhead.activeCalls
            override val waitingCalls get() = bulkhead.waitingCalls
        }
    }

    override fun pipeline(breaker: BreakerGuard, retry: Guard, timeout: Duration): Guard {
        val policy = kResilience {
            circuitBreaker(policies.getValue(breaker))
            use((retry as Wrap).policy)
            timeout(timeout)
        }
        return Wrap(policy)
    }

    private val policies = java.util.IdentityHashMap<BreakerGuard, KCircuitBreaker>()
}

/** The Java facade, called from Kotlin: each block becomes a CompletionStage of the loop. */
object JavaApi : ResilienceApi {
    override fun toString() = "Java"

    /** A suspend block as the CompletionStage a Java caller would pass. */
    private fun <T> stageOf(block: suspend () -> T) = launchFuture { block() }

    override fun retry(spec: RetrySpec): Guard {
        val builder = Retry.builder()
        if (spec.maxAttempts == null) builder.unlimitedAttempts() else builder.maxAttempts(spec.maxAttempts)
        spec.maxDuration?.let { builder.maxDuration(it.toJavaDuration()) }
        spec.attemptTimeout?.let { builder.attemptTimeout(it.toJavaDuration()) }
        spec.fixedBackoff?.let { builder.fixedBackoff(it.toJavaDuration()) }
        spec.exponential?.let { (initial, factor, max) ->
            if (max == null) builder.exponentialBackoff(initial.toJavaDuration(), factor)
            else builder.exponentialBackoff(initial.toJavaDuration(), factor, max.toJavaDuration())
        }
        if (spec.jitter != 0.0 || spec.seed != null) builder.jitter(spec.jitter, java.util.Random(spec.seed ?: 0))
        spec.retryOn.forEach { builder.retryOn(it.java) }
        spec.retryOnException?.let { p -> builder.retryOnException { p(it) } }
        spec.retryOnResult?.let { p -> builder.retryOnResult { p(it) } }
        val retry = builder.build()
        return object : Guard {
            override suspend fun <T> call(block: suspend () -> T): T = retry.call { stageOf(block) }.awaitOwned()
        }.also { retries[it] = retry }
    }

    override fun breaker(spec: BreakerSpec): BreakerGuard {
        val builder = CircuitBreaker.builder()
            .name(spec.name)
            .failureRateThreshold(spec.failureRateThreshold)
            .minimumCalls(spec.minimumCalls)
            .openDuration(spec.openDuration.toJavaDuration())
            .halfOpenTrialCalls(spec.halfOpenTrialCalls)
        spec.slowCallDuration?.let { builder.slowCallDuration(it.toJavaDuration()) }
        spec.countWindow?.let { builder.countBasedWindow(it) }
        spec.timeWindow?.let { (length, buckets) -> builder.timeBasedWindow(length.toJavaDuration(), buckets) }
        spec.failOn.forEach { builder.failOn(it.java) }
        val breaker = builder.build()
        return object : BreakerGuard {
            override suspend fun <T> call(block: suspend () -> T): T = breaker.call { stageOf(block) }.awaitOwned()
            override val state get() = breaker.state()
            override val snapshot get() = breaker.snapshot()
            override fun addListener(listener: (CircuitBreakerSnapshot) -> Unit) = breaker.addListener { listener(it) }
            override fun reset() = breaker.reset()
            override fun forceOpen() = breaker.forceOpen()
        }.also { breakers[it] = breaker }
    }

    override fun limiter(spec: LimiterSpec): LimiterGuard {
        val builder = RateLimiter.builder().permits(spec.permits).period(spec.period.toJavaDuration())
        spec.burst?.let { builder.burst(it) }
        val limiter = builder.build()
        return object : LimiterGuard {
            override suspend fun <T> call(block: suspend () -> T): T = limiter.call { stageOf(block) }.awaitOwned()
            override suspend fun acquire() {
                limiter.acquire().awaitOwned()
            }
            override suspend fun acquire(permits: Int) {
                limiter.acquire(permits).awaitOwned()
            }
            override suspend fun tryAcquire(): Boolean = limiter.tryAcquire()
            override suspend fun tryAcquire(permits: Int): Boolean = limiter.tryAcquire(permits)
        }
    }

    override fun bulkhead(spec: BulkheadSpec): BulkheadGuard {
        val builder = Bulkhead.builder()
            .maxConcurrentCalls(spec.maxConcurrentCalls)
            .maxWaitingCalls(spec.maxWaitingCalls)
        spec.maxWaitTime?.let { builder.maxWaitTime(it.toJavaDuration()) }
        val bulkhead = builder.build()
        return object : BulkheadGuard {
            override suspend fun <T> call(block: suspend () -> T): T = bulkhead.call { stageOf(block) }.awaitOwned()
            override val activeCalls get() = bulkhead.activeCalls()
            override val waitingCalls get() = bulkhead.waitingCalls()
        }
    }

    override fun pipeline(breaker: BreakerGuard, retry: Guard, timeout: Duration): Guard {
        val pipeline = ResiliencePipeline.builder()
            .circuitBreaker(breakers.getValue(breaker))
            .retry(retries.getValue(retry))
            .timeout(timeout.toJavaDuration())
            .build()
        return object : Guard {
            override suspend fun <T> call(block: suspend () -> T): T = pipeline.call { stageOf(block) }.awaitOwned()
        }
    }

    private val breakers = java.util.IdentityHashMap<BreakerGuard, CircuitBreaker>()
    private val retries = java.util.IdentityHashMap<Guard, Retry>()
}
