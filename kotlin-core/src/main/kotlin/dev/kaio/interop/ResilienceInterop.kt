@file:JvmName("ResilienceInterop")

package dev.kaio.interop

import dev.kaio.ContextValues
import dev.kaio.ContextVarsElement
import dev.kaio.InternalKaioApi
import dev.kaio.KaioClock
import dev.kaio.ownerScopeOnThisThread
import dev.kaio.withContextValues
import dev.kaio.resilience.Bulkhead
import dev.kaio.resilience.CircuitBreaker
import dev.kaio.resilience.CircuitBreakerBuilder
import dev.kaio.resilience.CircuitBreakerSnapshot
import dev.kaio.resilience.RateLimiter
import dev.kaio.resilience.RealCircuitBreaker
import dev.kaio.resilience.RealRateLimiter
import dev.kaio.resilience.RealRetry
import dev.kaio.resilience.ResiliencePolicy
import dev.kaio.resilience.Retry
import dev.kaio.resilience.RetryBuilder
import dev.kaio.resilience.resilience
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.time.ComparableTimeMark
import kotlin.time.Duration
import kotlin.time.TimeSource
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
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
 * defaults and error messages exist once. A call goes through `launchFuture`/`awaitOwned`, so the
 * future mirrors the call with cancellation both ways and unwrapped failures, except on the fast
 * paths of the breaker and the retry (`breakerCallFromJava`, `retryCallFromJava`), which start no
 * coroutine while nothing needs to suspend: a coroutine and its future cost ~450 ns per call,
 * against ~70 ns for the policy itself (benchmarks/README.md, "Resilience").
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
public fun buildBulkhead(maxConcurrentCalls: Int?, maxWaitingCalls: Int?, maxWaitTime: JavaDuration?): Bulkhead = Bulkhead {
    if (maxConcurrentCalls != null) this.maxConcurrentCalls = maxConcurrentCalls
    if (maxWaitingCalls != null) this.maxWaitingCalls = maxWaitingCalls
    if (maxWaitTime != null) this.maxWaitTime = maxWaitTime.toKotlinDuration()
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
    startJavaCall { policy.call { supply(supplier).awaitOwned() } }

private fun <T> supply(supplier: Supplier<out CompletionStage<T>>): CompletionStage<T> {
    val stage: CompletionStage<T>? = supplier.get()
    return stage ?: throw NullPointerException("the supplier returned null instead of a CompletionStage")
}

/**
 * [callFromJava] for a [CircuitBreaker], without a coroutine: the permission is taken without
 * suspending, the supplier is called on the calling thread, and the outcome is recorded when the
 * stage completes: at once when it is already complete, else in `whenComplete` (outside a loop, on
 * the thread that completes the stage) or in a task of the loop (inside one, so the future
 * completes on the loop's thread and the loop's end cancels the call). Cancelling or completing
 * the future from outside records nothing (frees a trial slot) and cancels the stage.
 */
@InternalKaioApi
public fun <T> breakerCallFromJava(breaker: CircuitBreaker, supplier: Supplier<out CompletionStage<T>>): CompletableFuture<T> {
    if (breaker !is RealCircuitBreaker) return callFromJava(breaker, supplier)
    val scope = ownerScopeOnThisThread()
    val values = taskValues()
    val clock = clockOf(scope)
    val permit = try {
        breaker.admit(clock)
    } catch (rejected: Throwable) { // CircuitOpenException, or marks of two clocks compared
        return settledFuture(scope, null, rejected)
    }
    val start = breaker.startMark(clock)
    val stage = try {
        withValues(values) { supply(supplier) }
    } catch (failure: Throwable) {
        breaker.finishedWith(permit, failure, clock, start)
        return settledFuture(scope, null, failure)
    }
    if (stage is CompletableFuture<T> && stage.isDone) {
        val outcome = Outcome.of(stage)
        breaker.finishedWith(permit, outcome.failure, clock, start)
        return settledFuture(scope, outcome.value, outcome.failure)
    }
    if (isInsideLoop()) {
        return scope.launchFuture(elementOf(values)) { breaker.runAdmitted(permit, clock, start) { stage.awaitOwned() } }
    }
    val result = JavaCallFuture<T>(executorOf(scope.coroutineContext), stage) { breaker.cancelled(permit) }
    stage.whenComplete { value, failure ->
        if (result.claim()) {
            val cause = failure?.let(::unwrap)
            breaker.finishedWith(permit, cause, clock, start)
            withValues(values?.let { ContextValues(it.map) }) { result.settle(value, cause) }
        }
    }
    return result
}

/**
 * [callFromJava] for a [Retry], without a coroutine for the first attempt: the supplier is called
 * on the calling thread and its outcome judged when the stage completes (as in
 * [breakerCallFromJava]); only when a retry is due does the rest of the call (backoff, further
 * attempts) run as a task, exactly as [Retry.call] would continue it. With an attempt timeout the
 * whole call is a task. Cancelling or completing the future from outside cancels the current
 * attempt's stage, or the task.
 */
@InternalKaioApi
public fun <T> retryCallFromJava(retry: Retry, supplier: Supplier<out CompletionStage<T>>): CompletableFuture<T> {
    if (retry !is RealRetry || retry.attemptTimeout != null) return callFromJava(retry, supplier)
    val scope = ownerScopeOnThisThread()
    val values = taskValues()
    val start = if (retry.needsStart) clockOf(scope).markNow() else null
    val stage = try {
        withValues(values) { supply(supplier) }
    } catch (failure: Throwable) {
        return afterFirstAttempt(retry, scope, start, values, supplier, Outcome(null, failure), null)
    }
    if (stage is CompletableFuture<T> && stage.isDone) {
        return afterFirstAttempt(retry, scope, start, values, supplier, Outcome.of(stage), null)
    }
    if (isInsideLoop()) {
        return scope.launchFuture(elementOf(values)) {
            val outcome = try {
                Outcome(stage.awaitOwned(), null)
            } catch (failure: Throwable) {
                Outcome(null, failure)
            }
            val pause = retry.pauseAfterFirst(outcome, start) ?: return@launchFuture outcome.get()
            retry.retryAfterFirst(outcome.failure, pause, start) { supply(supplier).awaitOwned() }
        }
    }
    val result = JavaCallFuture<T>(executorOf(scope.coroutineContext), stage, null)
    stage.whenComplete { value, failure ->
        if (!result.isDone) afterFirstAttempt(retry, scope, start, values, supplier, Outcome(value, failure?.let(::unwrap)), result)
    }
    return result
}

/** Completes [into] (or a new future) with the first attempt's [outcome], or starts the retries. */
private fun <T> afterFirstAttempt(
    retry: RealRetry,
    scope: CoroutineScope,
    start: ComparableTimeMark?,
    values: ContextValues?,
    supplier: Supplier<out CompletionStage<T>>,
    outcome: Outcome<T>,
    into: JavaCallFuture<T>?,
): CompletableFuture<T> {
    val pause = try {
        retry.pauseAfterFirst(outcome, start)
    } catch (predicateFailure: Throwable) {
        return withValues(values?.let { ContextValues(it.map) }) { settle(scope, into, null, predicateFailure) }
    }
    if (pause == null) return withValues(values?.let { ContextValues(it.map) }) { settle(scope, into, outcome.value, outcome.failure) }
    val block: suspend () -> T = { supply(supplier).awaitOwned() }
    // On the calling thread the task of the rest is the call's future; on the thread that
    // completed the first stage it is started on the owner's dispatcher and mirrored into [into].
    if (into == null) return startJavaCall(elementOf(values)) { retry.retryAfterFirst(outcome.failure, pause, start, block) }
    val rest = scope.launchFuture(elementOf(values)) { retry.retryAfterFirst(outcome.failure, pause, start, block) }
    into.waitFor(rest)
    rest.whenComplete { value, failure -> into.settle(value, failure?.let(::unwrap)) }
    return into
}

/** The pause before the second attempt, or null when the first attempt's [outcome] is the call's. */
private fun RealRetry.pauseAfterFirst(outcome: Outcome<*>, start: ComparableTimeMark?): Duration? {
    val failure = outcome.failure
    return when {
        failure == null -> pauseAfterResult(outcome.value, 1, start)
        failure is CancellationException -> null
        else -> pauseAfterFailure(failure, 1, start)
    }
}

/** The value or the (unwrapped) failure of a completed stage or supplier call. */
private class Outcome<T>(val value: T?, val failure: Throwable?) {
    @Suppress("UNCHECKED_CAST")
    fun get(): T = if (failure == null) value as T else throw failure

    companion object {
        fun <T> of(done: CompletableFuture<T>): Outcome<T> = try {
            Outcome(done.getNow(null), null)
        } catch (failure: Throwable) {
            Outcome(null, unwrap(failure))
        }
    }
}

/**
 * The context values the call runs with, as `launchFuture` gives a task: a copy of the caller's,
 * or null while no `ContextVar` exists (the common case, which then costs nothing).
 */
private fun taskValues(): ContextValues? = if (ContextValues.inUse) ContextValues(ContextValues.current().map) else null

private inline fun <R> withValues(values: ContextValues?, block: () -> R): R =
    if (values == null) block() else withContextValues(values, block)

/** [values] as the element of the task that continues the call (it shares them with the first attempt). */
private fun elementOf(values: ContextValues?): CoroutineContext = values?.let(::ContextVarsElement) ?: EmptyCoroutineContext

private fun clockOf(scope: CoroutineScope): TimeSource.WithComparableMarks =
    (scope.coroutineContext[KaioClock] ?: KaioClock.System).timeSource

/** [into], or a new future of the owner's dispatcher, settled with [value] or [failure]. */
private fun <T> settle(scope: CoroutineScope, into: JavaCallFuture<T>?, value: T?, failure: Throwable?): CompletableFuture<T> {
    if (into == null) return settledFuture(scope, value, failure)
    into.settle(value, failure)
    return into
}

private fun <T> settledFuture(scope: CoroutineScope, value: T?, failure: Throwable?): CompletableFuture<T> {
    val future = KaioFuture<T>(executorOf(scope.coroutineContext))
    settleFuture(future, value, failure)
    return future
}

/** As a task's future: a failure itself, a cancellation as `isCancelled()`. */
@Suppress("UNCHECKED_CAST")
private fun <T> settleFuture(future: CompletableFuture<T>, value: T?, failure: Throwable?) {
    when (failure) {
        null -> future.complete(value as T)
        is CancellationException -> future.cancel(false)
        else -> future.completeExceptionally(failure)
    }
}

/**
 * [RateLimiter.acquire] of [permits] as a future that completes with null when the tokens are
 * taken. (No `tryAcquire` shortcut: inside a loop the task queues when it runs, and a shortcut
 * would let a later call overtake it.)
 *
 * @throws IllegalArgumentException at once if [permits] is below 1 or above the burst.
 */
@InternalKaioApi
public fun acquireFromJava(limiter: RateLimiter, permits: Int): CompletableFuture<Void?> {
    (limiter as RealRateLimiter).checked(permits)
    return startJavaCall {
        limiter.acquire(permits)
        null
    }
}

/**
 * [RateLimiter.tryAcquire] of [permits] on the clock of the loop running on this thread (or the
 * system clock).
 *
 * @throws IllegalArgumentException if [permits] is below 1 or above the burst.
 */
@InternalKaioApi
public fun tryAcquireFromJava(limiter: RateLimiter, permits: Int): Boolean =
    (limiter as RealRateLimiter).tryAcquire(clockOf(ownerScopeOnThisThread()), permits)

/** [CircuitBreaker.addListener] for a Java [Consumer]; closing the result removes it. */
@InternalKaioApi
public fun addListenerFromJava(breaker: CircuitBreaker, listener: Consumer<in CircuitBreakerSnapshot>): AutoCloseable {
    val handle = breaker.addListener { listener.accept(it) }
    return AutoCloseable { handle.dispose() }
}
