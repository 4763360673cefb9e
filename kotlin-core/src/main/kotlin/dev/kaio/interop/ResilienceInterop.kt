@file:JvmName("ResilienceInterop")

package dev.kaio.interop

import dev.kaio.InternalKaioApi
import dev.kaio.KaioClock
import dev.kaio.ownerScopeOnThisThread
import dev.kaio.resilience.Bulkhead
import dev.kaio.resilience.CircuitBreaker
import dev.kaio.resilience.CircuitBreakerSnapshot
import dev.kaio.resilience.RateLimiter
import dev.kaio.resilience.RealRateLimiter
import dev.kaio.resilience.ResiliencePolicy
import dev.kaio.resilience.Retry
import dev.kaio.resilience.RetryBuilder
import dev.kaio.resilience.CircuitBreakerBuilder
import dev.kaio.resilience.resilience
import java.util.concurrent.CompletableFuture
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import java.util.concurrent.CompletionStage
import java.util.function.Consumer
import java.util.function.Predicate
import java.util.function.Supplier
import kotlin.random.asKotlinRandom
import kotlin.time.toKotlinDuration
import java.time.Duration as JavaDuration

/*
 * Overview: the non-suspend entry points of dev.kaio.resilience for the Java facade
 * (dev.kaio.java.resilience). Each builder function takes the Java builder's settings, null meaning
 * "not set, keep the Kotlin default", and hands them to the Kotlin builder, which validates them:
 * defaults and error messages exist once. Each call goes through `launchFuture`/`awaitOwned`, so the
 * future mirrors the call with cancellation both ways and unwrapped failures.
 */

/** Builds a [Retry] from the Java builder's settings (null: the Kotlin default). */
@InternalKaioApi
public fun buildRetry(
    maxAttemptsSet: Boolean,
    maxAttempts: Int?,
    maxDuration: JavaDuration?,
    attemptTimeout: JavaDuration?,
    exponential: Boolean,
    initialDelay: JavaDuration?,
    factor: Double,
    maxDelay: JavaDuration?,
    jitter: Double,
    random: java.util.Random?,
    retryOn: List<Class<out Throwable>>,
    retryOnException: List<Predicate<in Throwable>>,
    retryOnResult: List<Predicate<Any?>>,
): Retry = Retry {
    if (maxAttemptsSet) this.maxAttempts = maxAttempts
    if (maxDuration != null) this.maxDuration = maxDuration.toKotlinDuration()
    if (attemptTimeout != null) this.attemptTimeout = attemptTimeout.toKotlinDuration()
    if (initialDelay != null) {
        if (exponential) {
            exponentialBackoff(
                initialDelay.toKotlinDuration(),
                factor,
                maxDelay?.toKotlinDuration() ?: kotlin.time.Duration.INFINITE,
            )
        } else {
            fixedBackoff(initialDelay.toKotlinDuration())
        }
    }
    if (jitter != 0.0 || random != null) jitter(jitter, random?.asKotlinRandom() ?: kotlin.random.Random.Default)
    retryOnClassesFromJava(this, retryOn)
    retryOnException.forEach { predicate -> retryOnException { predicate.test(it) } }
    retryOnResult.forEach { predicate -> retryOnResult { predicate.test(it) } }
}

private fun retryOnClassesFromJava(builder: RetryBuilder, types: List<Class<out Throwable>>) {
    if (types.isNotEmpty()) builder.retryOnClasses(types)
}

/** Builds a [CircuitBreaker] from the Java builder's settings (null: the Kotlin default). */
@InternalKaioApi
public fun buildCircuitBreaker(
    name: String?,
    failureRateThreshold: Double?,
    minimumCalls: Int?,
    slowCallDuration: JavaDuration?,
    openDuration: JavaDuration?,
    halfOpenTrialCalls: Int?,
    countWindowSize: Int?,
    timeWindowLength: JavaDuration?,
    timeWindowBuckets: Int?,
    failOn: List<Class<out Throwable>>,
    failOnException: List<Predicate<in Throwable>>,
): CircuitBreaker = CircuitBreaker {
    if (name != null) this.name = name
    if (failureRateThreshold != null) this.failureRateThreshold = failureRateThreshold
    if (minimumCalls != null) this.minimumCalls = minimumCalls
    if (slowCallDuration != null) this.slowCallDuration = slowCallDuration.toKotlinDuration()
    if (openDuration != null) this.openDuration = openDuration.toKotlinDuration()
    if (halfOpenTrialCalls != null) this.halfOpenTrialCalls = halfOpenTrialCalls
    if (countWindowSize != null) countBasedWindow(countWindowSize)
    if (timeWindowLength != null) timeBasedWindow(timeWindowLength.toKotlinDuration(), timeWindowBuckets ?: 10)
    failOnClassesFromJava(this, failOn)
    failOnException.forEach { predicate -> failOnException { predicate.test(it) } }
}

private fun failOnClassesFromJava(builder: CircuitBreakerBuilder, types: List<Class<out Throwable>>) {
    if (types.isNotEmpty()) builder.failOnClasses(types)
}

/** Builds a [RateLimiter] from the Java builder's settings (null: the Kotlin default). */
@InternalKaioApi
public fun buildRateLimiter(permits: Int?, period: JavaDuration?, burst: Int?): RateLimiter = RateLimiter {
    if (permits != null) this.permits = permits
    if (period != null) this.period = period.toKotlinDuration()
    if (burst != null) this.burst = burst
}

/** Builds a [Bulkhead] from the Java builder's settings (null: the Kotlin default). */
@InternalKaioApi
public fun buildBulkhead(maxConcurrentCalls: Int?, maxWaitingCalls: Int?): Bulkhead = Bulkhead {
    if (maxConcurrentCalls != null) this.maxConcurrentCalls = maxConcurrentCalls
    if (maxWaitingCalls != null) this.maxWaitingCalls = maxWaitingCalls
}

/**
 * A pipeline of [stages], outermost first; a [JavaDuration] stage is a timeout.
 *
 * @throws IllegalArgumentException for a negative timeout or a stage of another type.
 */
@InternalKaioApi
public fun buildPipeline(stages: List<Any>): ResiliencePolicy = resilience {
    for (stage in stages) {
        when (stage) {
            is ResiliencePolicy -> use(stage)
            is JavaDuration -> timeout(stage.toKotlinDuration())
            else -> throw IllegalArgumentException("not a resilience stage: $stage")
        }
    }
}

/**
 * Runs the stage [supplier] returns under [policy]; [supplier] is called once per attempt.
 * Cancelling the returned future cancels the call and the stage it waits for.
 *
 * Inside a loop the call is a task of the loop, on its thread. Outside one it is a task of Kaio's
 * background scope that *starts on the calling thread* (see [startJavaCall]), so a call that does
 * not suspend (a closed breaker around an already completed stage) costs no thread hand-off.
 */
@InternalKaioApi
public fun <T> callFromJava(policy: ResiliencePolicy, supplier: Supplier<out CompletionStage<T>>): CompletableFuture<T> =
    startJavaCall {
        policy.call {
            val stage: CompletionStage<T>? = supplier.get()
            (stage ?: throw NullPointerException("the supplier returned null instead of a CompletionStage")).awaitOwned()
        }
    }

/** [RateLimiter.acquire] as a future that completes with null when the token is taken. */
@InternalKaioApi
public fun acquireFromJava(limiter: RateLimiter): CompletableFuture<Void?> = startJavaCall {
    limiter.acquire()
    null
}

/**
 * `launchFuture`, except that outside a loop the task runs on the calling thread up to its first
 * suspension and on `Dispatchers.Default` after it. Measured reason: a dispatch to
 * `Dispatchers.Default` and back costs microseconds per call (DESIGN.md, "thread hand-offs are
 * expensive"), against tens of nanoseconds for the policy itself. Resumptions that happen on
 * another thread, or after this function returned, always go through `Dispatchers.Default`, so
 * no Kaio code ever continues on a thread that completed a Java stage or on the timer thread.
 */
private inline fun <T> startJavaCall(crossinline block: suspend () -> T): CompletableFuture<T> {
    if (isInsideLoop()) return launchFuture { block() }
    val dispatcher = StartHereThenDefault()
    try {
        return launchFuture(dispatcher) { block() }
    } finally {
        dispatcher.starter = null
    }
}

/** Runs in place on the thread that started the task while that thread is still starting it. */
private class StartHereThenDefault : CoroutineDispatcher() {
    @Volatile
    var starter: Thread? = Thread.currentThread()

    override fun isDispatchNeeded(context: CoroutineContext): Boolean = starter !== Thread.currentThread()

    override fun dispatch(context: CoroutineContext, block: Runnable) = Dispatchers.Default.dispatch(context, block)

    override fun toString(): String = "Dispatchers.Default (started in place)"
}

/** [RateLimiter.tryAcquire] on the clock of the loop running on this thread (or the system clock). */
@InternalKaioApi
public fun tryAcquireFromJava(limiter: RateLimiter): Boolean {
    val clock = ownerScopeOnThisThread().coroutineContext[KaioClock] ?: KaioClock.System
    return (limiter as RealRateLimiter).tryAcquire(clock.timeSource)
}

/** [CircuitBreaker.addListener] for a Java [Consumer]; closing the result removes it. */
@InternalKaioApi
public fun addListenerFromJava(breaker: CircuitBreaker, listener: Consumer<in CircuitBreakerSnapshot>): AutoCloseable {
    val handle = breaker.addListener { listener.accept(it) }
    return AutoCloseable { handle.dispose() }
}
