@file:JvmName("QueueInterop")

package dev.kaio.interop

import dev.kaio.InternalKaioApi
import dev.kaio.BackgroundScope
import dev.kaio.ContextValues
import dev.kaio.ownerScopeOnThisThread
import dev.kaio.queue.AsyncQueue
import dev.kaio.queue.QueueImpl
import dev.kaio.queue.QueueShutdownException
import dev.kaio.sync.FutureWaiter
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.job

/*
 * Overview: the non-suspend entry points of dev.kaio.queue for the Java facade; see SyncInterop.kt
 * for the fast paths and for how a future cancelled after the operation took effect is undone (a
 * late-cancelled get hands its item back to the front of the queue; a late-cancelled put takes its
 * item back out if no consumer has taken it yet).
 *
 * A waiting get or put starts no task: it links a FutureWaiter, which completes the returned future
 * with one dispatch once served (a task per waiting call cost a coroutine, two futures and two
 * dispatches, and made the Java pipeline benchmark swing between 0.28 and 0.67 of a raw Channel).
 */

private fun nullItem(): NullPointerException = NullPointerException("AsyncQueue refuses null items")

/** Puts [item] (not null); cancelling the future withdraws a waiting put. */
@InternalKaioApi
public fun <E : Any> queuePut(queue: AsyncQueue<E>, item: E?): CompletableFuture<Void?> {
    if (item == null) throw nullItem()
    if (queue is QueueImpl<E> && !ContextValues.inUse) {
        if (queue.tryPutLockFree(item)) return completedKaioFuture(null)
        // One monitor pass: the waiter is made up front and its future is returned either way.
        val scope = ownerScopeOnThisThread()
        val future = KaioFuture<Void?>(executorOf(scope.coroutineContext))
        val waiter = FutureWaiter<Unit, Void?>(item, future, future.defaultExecutor(), { null }, { queue.withdraw(item) })
        try {
            if (queue.putOrLink(item, waiter)) future.complete(null) else cancelWithLoop(scope, future)
        } catch (e: QueueShutdownException) {
            future.completeExceptionally(e)
        }
        return future
    }
    try {
        if (queue.tryPut(item)) return completedKaioFuture(null)
    } catch (e: QueueShutdownException) {
        return failedKaioFuture(e)
    }
    return launchUndoable({ (queue as? QueueImpl<E>)?.withdraw(item) }) {
        queue.put(item)
        null
    }
}

/** [AsyncQueue.tryPut] for Java: refuses null with a NullPointerException. */
@InternalKaioApi
public fun <E : Any> queueTryPut(queue: AsyncQueue<E>, item: E?): Boolean {
    if (item == null) throw nullItem()
    return queue.tryPut(item)
}

/** Gets the next item; cancelling the future withdraws a waiting get. */
@InternalKaioApi
public fun <E : Any> queueGet(queue: AsyncQueue<E>): CompletableFuture<E> {
    if (queue is QueueImpl<E> && !ContextValues.inUse) {
        queue.tryGetLockFree()?.let { return completedKaioFuture(it) }
        val scope = ownerScopeOnThisThread()
        val future = KaioFuture<E>(executorOf(scope.coroutineContext))
        val waiter = FutureWaiter<E, E>(null, future, future.defaultExecutor(), { it }, { queue.giveBack(it) })
        try {
            val item = queue.getOrLink(waiter)
            if (item != null) future.complete(item) else cancelWithLoop(scope, future)
        } catch (e: QueueShutdownException) {
            future.completeExceptionally(e)
        }
        return future
    }
    try {
        queue.tryGet()?.let { return completedKaioFuture(it) }
    } catch (e: QueueShutdownException) {
        return failedKaioFuture(e)
    }
    return launchUndoable({ item -> (queue as? QueueImpl<E>)?.giveBack(item) }) { queue.get() }
}

/**
 * For the future of a linked [FutureWaiter] (the facade's waits need no task; with context
 * variables in use a task is started instead, so that callbacks see the caller's values): it is
 * cancelled, withdrawing the waiter, when the loop that owns the caller ends, as a waiting task
 * would be. Outside a loop the owner is never cancelled.
 */
private fun cancelWithLoop(scope: CoroutineScope, future: CompletableFuture<*>) {
    if (scope === BackgroundScope) return
    val handle = scope.coroutineContext.job.invokeOnCompletion { future.cancel(false) }
    future.whenComplete { _, _ -> handle.dispose() }
}

/** Waits until every item is done. */
@InternalKaioApi
public fun queueJoin(queue: AsyncQueue<*>): CompletableFuture<Void?> {
    if (queue.unfinishedTasks == 0L) return completedKaioFuture(null)
    return launchFuture {
        queue.join()
        null
    }
}
