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
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asExecutor
import kotlinx.coroutines.launch

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
 * Waits on [condition] as [owner], which must hold its lock. Java semantics of cancellation: a
 * cancelled Java future runs none of the caller's continuations, so nobody would release the lock;
 * the waiter is withdrawn and the lock is released for [owner] (the core takes it back first, as
 * asyncio does, then this adapter gives it up).
 */
@InternalKaioApi
public fun conditionWait(condition: Condition, owner: Any): CompletableFuture<Void?> =
    conditionWaitFor(condition, owner, null)

/** Waits on [condition] until [predicate] holds; see [conditionWait]. */
@InternalKaioApi
@OptIn(DelicateCoroutinesApi::class)
public fun conditionWaitFor(condition: Condition, owner: Any, predicate: BooleanSupplier?): CompletableFuture<Void?> {
    val lock = condition.lock
    check(lock.holdsLock(owner)) { "Condition.wait(): the caller $owner does not hold the lock" }
    if (predicate != null && predicate.asBoolean) return completedKaioFuture(null)
    val scope = ownerScopeOnThisThread()
    val result = KaioFuture<Void?>(executorOf(scope))
    val settledByTask = java.util.concurrent.atomic.AtomicBoolean()
    // UNDISPATCHED: the waiter is queued (and the lock given up) before this returns, in call
    // order, and the body runs even if the future is cancelled at once, so that the lock is given
    // up in every cancelled case, never left held by a holder nobody will release.
    val job = scope.launch(start = CoroutineStart.UNDISPATCHED) {
        var giveUp = true
        try {
            if (predicate == null) {
                condition.wait(owner)
            } else {
                while (!predicate.asBoolean) condition.wait(owner)
            }
            settledByTask.set(true)
            giveUp = !result.complete(null)
        } catch (e: CancellationException) {
            settledByTask.set(true)
            result.cancel(false)
        } catch (e: Throwable) {
            // a failing predicate: the holder keeps the lock, as a Kotlin caller inside withLock would
            settledByTask.set(true)
            giveUp = !result.completeExceptionally(e)
        } finally {
            if (giveUp && lock.holdsLock(owner)) lock.release(owner)
        }
    }
    result.whenComplete { _, _ -> if (!settledByTask.get()) job.cancel() }
    return result
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
