@file:JvmName("AsCompleted")

package dev.kaio

import dev.kaio.debug.unwatched
import kotlin.time.Duration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.async
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.withTimeoutOrNull

/**
 * The results of [tasks] in the order they finish, asyncio's `as_completed`.
 *
 * The tasks are the caller's: this flow never cancels them, on timeout or otherwise (asyncio does
 * the same). Nothing starts before collection; [timeout] counts from the start of collection.
 *
 * **Failure.** A task that failed ends the flow with its exception at its place in finishing
 * order; use [asCompletedTasks] to see every task, failed or not.
 *
 * **Timeout.** When [timeout] passes, the flow throws [DeadlineExceededException] after emitting
 * every result that had arrived.
 *
 * @throws IllegalArgumentException if [timeout] is negative.
 */
public fun <T> asCompleted(tasks: Iterable<Deferred<T>>, timeout: Duration? = null): Flow<T> =
    asCompletedTasks(tasks, timeout).map { it.await() }

/**
 * Runs every block concurrently, as children of the collector, and emits their results in the
 * order they finish. When collection ends early (a failure, the timeout, the collector's own
 * cancellation or an early exit such as `first()`), the blocks still running are cancelled.
 *
 * @throws IllegalArgumentException if [timeout] is negative.
 */
@JvmName("asCompletedBlocks")
public fun <T> asCompleted(tasks: Iterable<suspend CoroutineScope.() -> T>, timeout: Duration? = null): Flow<T> {
    requireTimeout(timeout)
    return flow {
        coroutineScope {
            val running = tasks.map { async(block = it) }
            try {
                emitAll(asCompleted(running, timeout))
            } finally {
                running.forEach { it.cancel() }
            }
        }
    }
}

/**
 * The [tasks] themselves, each emitted when it completes (successfully, with a failure, or
 * cancelled), in finishing order; the caller decides what to do with each. Never cancels them.
 *
 * **Timeout.** When [timeout] passes, throws [DeadlineExceededException] after emitting every task
 * that had completed.
 *
 * @throws IllegalArgumentException if [timeout] is negative.
 */
public fun <T> asCompletedTasks(tasks: Iterable<Deferred<T>>, timeout: Duration? = null): Flow<Deferred<T>> {
    requireTimeout(timeout)
    return flow {
        val list = tasks.toList()
        val finished = Channel<Deferred<T>>(Channel.UNLIMITED)
        val handles = ArrayList<DisposableHandle>(list.size)
        try {
            // Emitting a task is no retrieval of its failure: the caller awaits it, or not.
            list.forEach { task -> handles += task.unwatched().invokeOnCompletion { finished.trySend(task) } }
            val clock = currentTimeSource()
            val deadline = timeout?.let { clock.markNow() + it }
            for (emitted in list.indices) {
                val next = finished.tryReceive().getOrNull()
                    ?: if (deadline == null) {
                        finished.receive()
                    } else {
                        withTimeoutOrNull(deadline - clock.markNow()) { finished.receive() }
                            ?: throw DeadlineExceededException(
                                "${list.size - emitted} of ${list.size} tasks still running after $timeout",
                            )
                    }
                emit(next)
            }
        } finally {
            handles.forEach { it.dispose() }
        }
    }
}

private fun requireTimeout(timeout: Duration?) {
    require(timeout == null || !timeout.isNegative()) { "timeout must not be negative: $timeout" }
}
