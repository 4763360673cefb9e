@file:JvmName("SyncInterop")

package dev.kaio.interop

import dev.kaio.InternalKaioApi
import dev.kaio.ownerScopeOnThisThread
import dev.kaio.sync.Barrier
import dev.kaio.sync.Condition
import dev.kaio.sync.Event
import dev.kaio.sync.Lock
import dev.kaio.sync.ReadWriteLock
import dev.kaio.sync.Semaphore
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.Executor
import java.util.function.BooleanSupplier
import java.util.function.Supplier
import kotlin.coroutines.ContinuationInterceptor
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asExecutor
import kotlinx.coroutines.Job
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.launch
import java.util.concurrent.atomic.AtomicReference

/*
 * Overview: the non-suspend entry points of dev.kaio.sync for the Java facade.
 *
 * Each waiting operation first tries its non-waiting form (a free lock, a set event…) and returns
 * an already completed future; otherwise it starts a task with `launchUndoable`. Every such task
 * starts on the calling thread and queues its waiter before the call returns
 * ([launchFutureInCallOrder]): one thread's calls wait in the order it made them. That wrapper closes
 * the one gap `launchFuture` leaves for primitives: a Java caller may cancel the future after the
 * task has acquired (taken the lock, the permits, the item) but before the future completed. Then
 * the future is already cancelled, nobody will ever use what was acquired, so `undo` gives it back.
 * Cancelling the future before that withdraws the waiter, as the core does for a cancelled coroutine.
 */

private fun executorOf(scope: CoroutineScope): Executor =
    (scope.coroutineContext[ContinuationInterceptor] as? CoroutineDispatcher ?: Dispatchers.Default).asExecutor()

/** An already completed future whose `*Async` dependents run on the loop's (or Kaio's) dispatcher. */
internal fun <T> completedKaioFuture(value: T): CompletableFuture<T> =
    KaioFuture<T>(executorOf(ownerScopeOnThisThread())).also { it.complete(value) }

/** An already failed future, as [completedKaioFuture]. */
internal fun <T> failedKaioFuture(error: Throwable): CompletableFuture<T> =
    KaioFuture<T>(executorOf(ownerScopeOnThisThread())).also { it.completeExceptionally(error) }

/**
 * Runs [op] as a task (see [launchFuture]) and returns a future of its result. If the future is
 * completed from outside (cancelled) after [op] acquired its value, [undo] gives the value back.
 * [inCallOrder]: [op] starts at once on the calling thread (see [launchFutureInCallOrder]), else it
 * is scheduled as [launchFuture] does.
 */
internal fun <T> launchUndoable(undo: (T) -> Unit, inCallOrder: Boolean = true, op: suspend () -> T): CompletableFuture<T> {
    val result = KaioFuture<T>(executorOf(ownerScopeOnThisThread()))
    val settledByTask = java.util.concurrent.atomic.AtomicBoolean()
    val body: suspend kotlinx.coroutines.CoroutineScope.() -> Unit = {
        val value = op()
        settledByTask.set(true)
        if (!result.complete(value)) undo(value)
    }
    val task = if (inCallOrder) launchFutureInCallOrder(body) else launchFuture(block = body)
    task.whenComplete { _, failure ->
        if (failure != null) {
            val cause = unwrap(failure)
            if (cause is CancellationException) result.cancel(false) else result.completeExceptionally(cause)
        }
    }
    result.whenComplete { _, _ -> if (!settledByTask.get()) task.cancel(false) }
    return result
}

/** Acquires [lock] for [owner]; the future completes with [owner]. Cancelling it withdraws the waiter. */
@InternalKaioApi
public fun <T : Any> lockAcquire(lock: Lock, owner: T): CompletableFuture<T> {
    if (lock.tryAcquire(owner)) return completedKaioFuture(owner)
    return launchUndoable({ lock.release(owner) }) {
        lock.acquire(owner)
        owner
    }
}

/** Runs [action] holding [lock] (for a fresh owner), releasing it when the action's stage completes. */
@InternalKaioApi
public fun <T> lockWithLock(lock: Lock, action: Supplier<out CompletionStage<T>>): CompletableFuture<T> =
    launchFutureInCallOrder {
        val owner = Any()
        lock.acquire(owner)
        try {
            action.get().awaitOwned()
        } finally {
            lock.release(owner)
        }
    }

/** Acquires [permits] of [semaphore]; cancelling the future withdraws the waiter. */
@InternalKaioApi
public fun semaphoreAcquire(semaphore: Semaphore, permits: Int): CompletableFuture<Void?> {
    if (semaphore.tryAcquire(permits)) return completedKaioFuture(null)
    return launchUndoable({ semaphore.release(permits) }) {
        semaphore.acquire(permits)
        null
    }
}

/** Runs [action] holding [permits] of [semaphore], releasing them when its stage completes. */
@InternalKaioApi
public fun <T> semaphoreWithPermit(
    semaphore: Semaphore,
    permits: Int,
    action: Supplier<out CompletionStage<T>>,
): CompletableFuture<T> = launchFutureInCallOrder {
    semaphore.acquire(permits)
    try {
        action.get().awaitOwned()
    } finally {
        semaphore.release(permits)
    }
}

/** Waits for [event]; cancelling the future stops waiting. */
@InternalKaioApi
public fun eventWait(event: Event): CompletableFuture<Void?> {
    if (event.isSet) return completedKaioFuture(null)
    return launchFuture {
        event.wait()
        null
    }
}

/**
 * Waits on [condition] as [owner], which must hold its lock; the future completes holding the lock
 * again, also when it ends cancelled (see [ConditionWaitFuture]).
 */
@InternalKaioApi
public fun conditionWait(condition: Condition, owner: Any): CompletableFuture<Void?> =
    conditionWaitFor(condition, owner, null)

/**
 * Waits on [condition] until [predicate] holds; see [conditionWait]. A predicate that is already
 * true completes the future at once, without the lock (asyncio's `wait_for`); a false one without
 * the lock is the misuse error of `wait`.
 */
@InternalKaioApi
public fun conditionWaitFor(condition: Condition, owner: Any, predicate: BooleanSupplier?): CompletableFuture<Void?> {
    if (predicate != null && predicate.asBoolean) return completedKaioFuture(null)
    val lock = condition.lock
    check(lock.holdsLock(owner)) { "Condition.wait(): the caller $owner does not hold the lock" }
    val scope = ownerScopeOnThisThread()
    val future = ConditionWaitFuture(executorOf(scope))
    // UNDISPATCHED: the waiter is queued (and the lock given up) before this returns, in call order.
    future.task = scope.launch(start = CoroutineStart.UNDISPATCHED) {
        var signalled = false
        val failure = try {
            // The predicate was false above: wait at least once, then until it holds.
            do {
                ensureActive()
                signalled = false
                condition.wait(owner)
                signalled = true
            } while (predicate != null && !predicate.asBoolean)
            null
        } catch (e: Throwable) {
            // A cancellation (the core took the lock back first) or a failing predicate (the holder
            // keeps the lock, as a Kotlin caller inside withLock would).
            e
        }
        // Settled from outside after the last wait returned: that signal was not used; pass it on.
        if (!future.finishFromTask(failure) && signalled) condition.notify(owner, 1)
    }
    return future
}

/**
 * The future of a Java condition wait. Cancelling it (or completing or failing it from outside,
 * as `orTimeout` does) only *requests* the end: the wait stops, the lock is taken back for the
 * holder, and only then does the future complete with the requested outcome, so that whatever
 * runs after it (a `whenComplete`, a `Tasks.timeout` around it, a `get`) runs holding the lock, as
 * asyncio's and the Kotlin `Condition` do. Until then `isDone()` is false. Its task is
 * [backingTask], so `awaitOwned` waits for it after cancelling it.
 */
private class ConditionWaitFuture(executor: Executor) : KaioFuture<Void?>(executor), TaskBackedFuture {
    @Volatile
    var task: Job? = null

    override val backingTask: Job? get() = task

    /** null until settled: [FINISHED] once the task settled it, else the outcome requested from outside. */
    private val request = AtomicReference<Any?>(null)

    private class Requested(val value: Void?, val failure: Throwable?)

    private fun requestEnd(requested: Requested): Boolean {
        if (!request.compareAndSet(null, requested)) return false
        task?.cancel()
        return true
    }

    override fun cancel(mayInterruptIfRunning: Boolean): Boolean {
        if (requestEnd(Requested(null, CancellationException("the condition wait was cancelled")))) return true
        // A second cancel while the lock is being taken back: still a cancellation in progress.
        return (request.get() as? Requested)?.failure is CancellationException || isCancelled
    }

    override fun complete(value: Void?): Boolean = requestEnd(Requested(value, null))

    override fun completeExceptionally(ex: Throwable): Boolean = requestEnd(Requested(null, ex))

    /**
     * In the task, holding the lock: completes the future with the task's outcome ([failure] or
     * success) and returns true, or with the outcome requested from outside and returns false.
     */
    fun finishFromTask(failure: Throwable?): Boolean {
        if (request.compareAndSet(null, FINISHED)) {
            when (failure) {
                null -> super.complete(null)
                is CancellationException -> super.cancel(false)
                else -> super.completeExceptionally(failure)
            }
            return true
        }
        val requested = request.get() as Requested
        when (val f = requested.failure) {
            null -> super.complete(requested.value)
            is CancellationException -> super.cancel(false)
            else -> super.completeExceptionally(f)
        }
        return false
    }

    private companion object {
        val FINISHED = Any()
    }
}

/** Waits at [barrier]; the future completes with the arrival index. */
@InternalKaioApi
public fun barrierWait(barrier: Barrier): CompletableFuture<Int> = launchFutureInCallOrder { barrier.wait() }

/** Takes a read hold of [lock]; cancelling the future withdraws the waiter and never keeps a hold. */
@InternalKaioApi
public fun readLockAcquire(lock: ReadWriteLock): CompletableFuture<Void?> {
    if (lock.tryAcquireRead()) return completedKaioFuture(null)
    return launchUndoable({ lock.releaseRead() }) {
        lock.acquireRead()
        null
    }
}

/** Takes the write hold of [lock]; cancelling the future withdraws the waiter and never keeps a hold. */
@InternalKaioApi
public fun writeLockAcquire(lock: ReadWriteLock): CompletableFuture<Void?> {
    if (lock.tryAcquireWrite()) return completedKaioFuture(null)
    return launchUndoable({ lock.releaseWrite() }) {
        lock.acquireWrite()
        null
    }
}

/** Runs [action] holding a read hold ([write] false) or the write hold of [lock], released when its stage completes. */
@InternalKaioApi
public fun <T> readWriteLockWith(
    lock: ReadWriteLock,
    write: Boolean,
    action: Supplier<out CompletionStage<T>>,
): CompletableFuture<T> = launchFutureInCallOrder {
    if (write) lock.acquireWrite() else lock.acquireRead()
    try {
        action.get().awaitOwned()
    } finally {
        if (write) lock.releaseWrite() else lock.releaseRead()
    }
}
