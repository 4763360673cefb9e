package dev.kaio.interop

import dev.kaio.ContextValues
import dev.kaio.ContextVarsElement
import dev.kaio.InternalKaioApi
import dev.kaio.withContextValues
import dev.kaio.LoopBinding
import dev.kaio.Outcome
import dev.kaio.cancellationTurnedIntoValue
import dev.kaio.markResumeWatches
import dev.kaio.ownerScopeOnThisThread
import dev.kaio.runLoop
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionException
import java.util.concurrent.CompletionStage
import java.util.concurrent.ExecutionException
import java.util.concurrent.Executor
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.coroutines.asExecutor
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.async
import kotlinx.coroutines.suspendCancellableCoroutine

/*
 * Overview: the one place where coroutines and CompletableFuture meet.
 *
 * Every facade method is `launchFuture { suspend code }`, and every Java stage that suspend code
 * waits for goes through `awaitOwned` (the stage belongs to this task: cancelling the task cancels
 * it) or `awaitBorrowed` (the caller's handle: never cancelled). The rules of DESIGN.md hold here:
 *  - cancelling, completing or failing the returned future from outside cancels the coroutine;
 *  - the coroutine's failure completes the future with the exception itself, never a
 *    CompletionException around it; its cancellation makes the future `isCancelled()`;
 *  - dependents created with `*Async` and no executor run on the coroutine's dispatcher, never on
 *    the common ForkJoinPool.
 * kotlinx's own `future {}` and `await()` are close, but `await()` cancels a shared future and its
 * cancelling overloads are under discussion upstream, so Kaio states its rules here once.
 */

/**
 * A [CompletableFuture] whose `*Async` dependents without an executor run on [executor] rather
 * than on the common pool.
 */
@InternalKaioApi
public open class KaioFuture<T>(private val executor: Executor) : CompletableFuture<T>() {
    override fun defaultExecutor(): Executor = executor
    override fun <U> newIncompleteFuture(): CompletableFuture<U> = KaioFuture(executor)
}

/** A future with a Kaio task behind it: a cancelled waiter waits for that task to finish (see [awaitOwned]). */
internal interface TaskBackedFuture {
    val backingTask: Job?
}

/** A future mirroring one coroutine; completing it from outside cancels the coroutine. */
private open class CoroutineFuture<T>(executor: Executor) : KaioFuture<T>(executor), TaskBackedFuture {
    @Volatile
    var task: Deferred<T>? = null

    override val backingTask: Job? get() = task

    fun completeFromTask(value: T): Boolean = super.complete(value)
    fun failFromTask(exception: Throwable): Boolean = super.completeExceptionally(exception)
    fun cancelFromTask(): Boolean = super.cancel(false)

    override fun complete(value: T): Boolean = super.complete(value).also { if (it) task?.cancel() }
    override fun completeExceptionally(ex: Throwable): Boolean =
        super.completeExceptionally(ex).also { if (it) task?.cancel() }
    override fun cancel(mayInterruptIfRunning: Boolean): Boolean =
        super.cancel(mayInterruptIfRunning).also { if (it) task?.cancel() }
}

/**
 * In the context of a facade task whose result is input it consumed (a stream read): the task's
 * right to settle its future. The read calls [claim] right before it consumes bytes:
 *  - true: from then on, cancelling, completing or failing the future from outside (`cancel`,
 *    `orTimeout`) returns false, and the future completes with the read's result;
 *  - false: the future was settled from outside first; the read consumes nothing and throws
 *    CancellationException.
 * Without it a read could consume a line just as its future was cancelled from another thread,
 * and the line would reach no one (a single-threaded asyncio loop has no such moment).
 */
internal abstract class ResultClaim : AbstractCoroutineContextElement(ResultClaim) {
    /** True if the task may consume; repeated calls by the same task return true again. */
    abstract fun claim(): Boolean

    companion object Key : CoroutineContext.Key<ResultClaim>
}

/** A [CoroutineFuture] with a [ResultClaim]: outside settlement and the task's claim exclude each other. */
private class ClaimableFuture<T>(executor: Executor) : CoroutineFuture<T>(executor) {
    private val gate = AtomicInteger(OPEN)

    val claim: ResultClaim = object : ResultClaim() {
        override fun claim(): Boolean = gate.get() == CLAIMED || gate.compareAndSet(OPEN, CLAIMED)
    }

    private fun outsiderMaySettle(): Boolean {
        while (true) {
            when (gate.get()) {
                CLOSED -> return true
                CLAIMED -> return false
                else -> if (gate.compareAndSet(OPEN, CLOSED)) return true
            }
        }
    }

    override fun complete(value: T): Boolean = outsiderMaySettle() && super.complete(value)
    override fun completeExceptionally(ex: Throwable): Boolean = outsiderMaySettle() && super.completeExceptionally(ex)
    override fun cancel(mayInterruptIfRunning: Boolean): Boolean = outsiderMaySettle() && super.cancel(mayInterruptIfRunning)

    private companion object {
        const val OPEN = 0
        const val CLAIMED = 1
        const val CLOSED = 2
    }
}

/**
 * Starts [block] as a task owned by the current loop (or the background scope outside one) and
 * returns a future that mirrors it, with cancellation both ways and unwrapped failures.
 */
@InternalKaioApi
public fun <T> launchFuture(
    context: CoroutineContext = EmptyCoroutineContext,
    block: suspend CoroutineScope.() -> T,
): CompletableFuture<T> = ownerScopeOnThisThread().launchFuture(context, block)

/** Like [launchFuture], in a given scope. */
@InternalKaioApi
public fun <T> CoroutineScope.launchFuture(
    context: CoroutineContext = EmptyCoroutineContext,
    block: suspend CoroutineScope.() -> T,
): CompletableFuture<T> = startFuture(context, inCallOrder = false, block)

/**
 * Like [launchFuture], except that [block] runs at once on the calling thread until its first
 * suspension (`CoroutineStart.UNDISPATCHED`) instead of being scheduled. For the facade of the
 * primitives: a waiter that [block] queues is queued before this returns, so calls made one after
 * the other from one thread wait in that order (the FIFO a Java caller expects), and their order is
 * the arrival order at a barrier. A scheduled start would queue them in whatever order the
 * dispatcher's threads happened to run them.
 */
internal fun <T> launchFutureInCallOrder(block: suspend CoroutineScope.() -> T): CompletableFuture<T> =
    ownerScopeOnThisThread().startFuture(EmptyCoroutineContext, inCallOrder = true, block)

/**
 * Like [launchFuture], for one read that consumes input: the task gets a [ResultClaim], so a read
 * whose future is cancelled from another thread either consumes nothing or completes the future.
 */
internal fun <T> launchClaimingFuture(block: suspend CoroutineScope.() -> T): CompletableFuture<T> =
    ownerScopeOnThisThread().startFuture(EmptyCoroutineContext, inCallOrder = false, block, claiming = true)

private fun <T> CoroutineScope.startFuture(
    context: CoroutineContext,
    inCallOrder: Boolean,
    block: suspend CoroutineScope.() -> T,
    claiming: Boolean = false,
): CompletableFuture<T> {
    val executor = executorOf(coroutineContext + context)
    val future = if (claiming) ClaimableFuture<T>(executor) else CoroutineFuture<T>(executor)
    val taskContext = if (future is ClaimableFuture<T>) context + future.claim else context
    // asyncio's create_task: the task starts from the caller's context variables, and callbacks
    // of its future run with them too (not with what the task itself set).
    val callerValues = context[ContextVarsElement] ?: ContextValues.forNewTask()
    // Undispatched, the block may even complete here; the handlers below then run at once.
    // A claiming task completes its future itself, as soon as its block returns: once a read has
    // claimed the future, its value must reach it even if the task is cancelled before it ends.
    val body: suspend CoroutineScope.() -> T =
        if (future is ClaimableFuture<T>) ({ block().also { future.completeFromTask(it) } }) else block
    val task = async(taskContext + callerValues, if (inCallOrder) CoroutineStart.UNDISPATCHED else CoroutineStart.LAZY, body)
    future.task = task
    if (callerValues is ContextVarsElement) {
        task.invokeOnCompletion { cause ->
            withContextValues(ContextValues(callerValues.values.map)) { settle(future, task, cause) }
        }
    } else {
        task.invokeOnCompletion { cause -> settle(future, task, cause) }
    }
    if (!inCallOrder) task.start()
    return future
}

@OptIn(ExperimentalCoroutinesApi::class)
private fun <T> settle(future: CoroutineFuture<T>, task: Deferred<T>, cause: Throwable?) {
    when (cause) {
        null -> future.completeFromTask(task.getCompleted())
        is CancellationException -> future.cancelFromTask()
        else -> future.failFromTask(cause)
    }
}

/** Mirrors an existing task as a future; completing the future from outside cancels the task. */
@InternalKaioApi
public fun <T> Deferred<T>.toFuture(): CompletableFuture<T> {
    val future = CoroutineFuture<T>(executorOf(EmptyCoroutineContext))
    future.task = this
    invokeOnCompletion { cause -> settle(future, this, cause) }
    return future
}

internal fun executorOf(context: CoroutineContext): Executor =
    ((context[ContinuationInterceptor] as? CoroutineDispatcher) ?: Dispatchers.Default).asExecutor()

/**
 * Waits for a stage that belongs to the calling task: if the task is cancelled while waiting,
 * the stage is cancelled too (`toCompletableFuture().cancel(false)`).
 */
@InternalKaioApi
public suspend fun <T> CompletionStage<T>.awaitOwned(): T {
    // Checked here, outside any suspend function with a state machine, so that a stage that is
    // already complete (the common case for Java suppliers) costs no continuation allocation.
    val future = this as? CompletableFuture<T>
    if (future != null && future.isDone) return valueOfDone(future)
    return awaitOwnedStage()
}

/**
 * Waits for a stage that belongs to someone else (a handle the caller passed in): cancelling the
 * waiting task never touches the stage.
 */
@InternalKaioApi
public suspend fun <T> CompletionStage<T>.awaitBorrowed(): T {
    val future = this as? CompletableFuture<T>
    if (future != null && future.isDone) return valueOfDone(future)
    return awaitAnyStage(cancelOnCancellation = false)
}

@OptIn(ExperimentalCoroutinesApi::class)
private suspend fun <T> CompletionStage<T>.awaitOwnedStage(): T {
    val coroutine = (this as? TaskBackedFuture)?.backingTask
    try {
        return awaitAnyStage(cancelOnCancellation = true)
    } catch (cancelled: CancellationException) {
        // The stage may refuse the cancellation because its value was already there: a queue get
        // that was handed its item, a read that consumed its line. The caller then owns that value,
        // as with Kaio's own waits (see park), and meets its cancellation at its next suspension.
        completedValue()?.let { done ->
            cancellationTurnedIntoValue(currentCoroutineContext())
            return done.value
        }
        if (coroutine == null) throw cancelled
        // Only on this rare path: the join below resumes the caller again, which a timeout around
        // it must not count either if a value comes out after all.
        val watches = markResumeWatches(currentCoroutineContext())
        // A stage made by Kaio has a coroutine behind it: when the waiter is cancelled, wait for that
        // coroutine to finish too, so gather and task groups built from Java suppliers wait for their
        // children's cleanup (structured, as in Kotlin) and see a failure thrown during it.
        coroutine.cancel()
        withContext(NonCancellable) { coroutine.join() }
        val failure = if (coroutine is Deferred<*>) coroutine.getCompletionExceptionOrNull() else null
        if (failure != null && failure !is CancellationException) throw failure
        completedValue()?.let { done ->
            watches?.restore()
            cancellationTurnedIntoValue(currentCoroutineContext())
            return done.value
        }
        throw cancelled
    }
}

/** A normally completed value (a null value is a value); null while pending or if it failed. */
private fun <T> CompletionStage<T>.completedValue(): Outcome.Success<T>? {
    // A stage that cannot be viewed as a future (toCompletableFuture may be unsupported) has none.
    val future = runCatching { toCompletableFuture() }.getOrNull() ?: return null
    if (!future.isDone || future.isCompletedExceptionally) return null
    @Suppress("UNCHECKED_CAST")
    return Outcome.Success(future.getNow(null) as T)
}

/** Callers check for a completed future first; one that completes meanwhile resumes at once through `whenComplete`. */
private suspend fun <T> CompletionStage<T>.awaitAnyStage(cancelOnCancellation: Boolean): T =
    suspendCancellableCoroutine { continuation ->
        whenComplete { value, failure ->
            if (failure == null) continuation.resume(value) else continuation.resumeWithException(unwrap(failure))
        }
        if (cancelOnCancellation) {
            continuation.invokeOnCancellation { runCatching { toCompletableFuture().cancel(false) } }
        }
    }

/** The value of a completed future, or its failure unwrapped; a cancelled one throws `CancellationException`. */
private fun <T> valueOfDone(future: CompletableFuture<T>): T {
    @Suppress("UNCHECKED_CAST")
    return try {
        future.getNow(null) as T
    } catch (e: CompletionException) {
        throw unwrap(e)
    }
}

/** The exception a caller should see: without `CompletionException`/`ExecutionException` wrappers. */
@InternalKaioApi
public fun unwrap(failure: Throwable): Throwable {
    var current = failure
    while ((current is CompletionException || current is ExecutionException) && current.cause != null) {
        current = current.cause!!
    }
    return current
}

/**
 * Runs [block] as the main task of a loop on the calling coroutine's dispatcher: facade calls made
 * from inside it (on its thread) run their tasks there too, and when it ends every task it left
 * behind is cancelled and awaited. `EventLoop.run` is built on it; tests use it to drive the Java
 * facade on virtual time.
 */
@InternalKaioApi
public suspend fun <T> runAsLoop(block: suspend CoroutineScope.() -> T): T = runLoop(ownsThread = false, block)

/** True while code on this thread runs inside a loop (a `runAsLoop` or `EventLoop.run` block). */
@InternalKaioApi
public fun isInsideLoop(): Boolean = LoopBinding.onThisThread() != null
