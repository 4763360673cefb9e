@file:JvmName("QueueInterop")

package dev.kaio.interop

import dev.kaio.InternalKaioApi
import dev.kaio.queue.AsyncQueue
import dev.kaio.queue.QueueImpl
import dev.kaio.queue.QueueShutdownException
import java.util.concurrent.CompletableFuture

/*
 * Overview: the non-suspend entry points of dev.kaio.queue for the Java facade; see SyncInterop.kt
 * for the fast paths and for how a future cancelled after the operation took effect is undone (a
 * late-cancelled get hands its item back to the front of the queue; a late-cancelled put takes its
 * item back out if no consumer has taken it yet).
 */

private fun nullItem(): NullPointerException = NullPointerException("AsyncQueue refuses null items")

/** Puts [item] (not null); cancelling the future withdraws a waiting put. */
@InternalKaioApi
public fun <E : Any> queuePut(queue: AsyncQueue<E>, item: E?): CompletableFuture<Void?> {
    if (item == null) throw nullItem()
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
    try {
        queue.tryGet()?.let { return completedKaioFuture(it) }
    } catch (e: QueueShutdownException) {
        return failedKaioFuture(e)
    }
    return launchUndoable({ item -> (queue as? QueueImpl<E>)?.giveBack(item) }) { queue.get() }
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
