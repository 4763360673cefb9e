@file:JvmName("Wait")

package dev.kaio

import dev.kaio.debug.unwatched
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.withTimeoutOrNull

/** When [wait] returns, asyncio's `return_when`. */
public enum class ReturnWhen {
    /** As soon as any task finishes or is cancelled. */
    FIRST_COMPLETED,

    /** As soon as any task fails with an exception other than cancellation, or all have finished. */
    FIRST_EXCEPTION,

    /** When every task has finished. */
    ALL_COMPLETED,
}

/** What [wait] returns: the tasks that had finished and those still running, each in input order. */
public data class WaitResult<out H>(
    /** Tasks that had completed (with a value, a failure or a cancellation). */
    public val done: Set<H>,
    /** Tasks still running; the caller decides whether to await or cancel them. */
    public val pending: Set<H>,
)

/**
 * Waits until [returnWhen] is met or [timeout] passes, asyncio's `wait`, and says which tasks are
 * done and which are pending. It **cancels nothing**, on timeout or otherwise, and throws nothing
 * on timeout: it returns, with the unfinished tasks in [WaitResult.pending].
 *
 * **Cancellation.** Cancelling the caller stops the wait; the tasks keep running.
 *
 * @throws IllegalArgumentException if [tasks] is empty (asyncio raises `ValueError`) or
 *   [timeout] is negative.
 */
public suspend fun <T> wait(
    tasks: Iterable<Deferred<T>>,
    returnWhen: ReturnWhen = ReturnWhen.ALL_COMPLETED,
    timeout: Duration? = null,
): WaitResult<Deferred<T>> {
    val list = tasks.toList()
    require(list.isNotEmpty()) { "wait() needs at least one task, got none" }
    require(timeout == null || !timeout.isNegative()) { "timeout must not be negative: $timeout" }

    val condition = CompletableDeferred<Unit>()
    val unfinished = AtomicInteger(list.size)
    val handles = list.map { task ->
        // Waiting for a task to end is no retrieval of its failure (asyncio's wait neither).
        task.unwatched().invokeOnCompletion { cause ->
            val failed = cause != null && cause !is CancellationException
            val met = when (returnWhen) {
                ReturnWhen.FIRST_COMPLETED -> true
                ReturnWhen.FIRST_EXCEPTION -> failed || unfinished.decrementAndGet() == 0
                ReturnWhen.ALL_COMPLETED -> unfinished.decrementAndGet() == 0
            }
            if (met) condition.complete(Unit)
        }
    }
    try {
        if (!condition.isCompleted) {
            if (timeout == null) condition.await() else withTimeoutOrNull(timeout) { condition.await() }
        }
    } finally {
        handles.forEach { it.dispose() }
    }
    val (done, pending) = list.partition { it.isCompleted }
    return WaitResult(done.toCollection(LinkedHashSet()), pending.toCollection(LinkedHashSet()))
}
