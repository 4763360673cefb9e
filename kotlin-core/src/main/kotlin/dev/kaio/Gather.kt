@file:JvmName("Gather")

package dev.kaio

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.supervisorScope
import kotlinx.coroutines.withContext

/*
 * gather and gatherSettled, asyncio's `gather(return_exceptions=False/True)`.
 *
 * Kaio's gather is structured where asyncio's is not: the first failure cancels the other tasks
 * and waits for them before it is rethrown, so no task outlives the call (asyncio leaves them
 * running, the trap that TaskGroup was added to fix).
 */

/**
 * Runs every block concurrently, as children of the caller, and returns their results in
 * argument order.
 *
 * **Failure.** The first block to fail (in time, not in argument order) cancels the others;
 * `gather` waits until every one has finished (their `finally` blocks have run) and then rethrows
 * that first exception. Later failures of the cancelled siblings are attached to it as suppressed
 * exceptions by kotlinx.coroutines.
 *
 * **Cancellation.** Cancelling the caller cancels every block and waits for them.
 *
 * With no blocks it returns an empty list, as `asyncio.gather()` does.
 */
public suspend fun <T> gather(vararg tasks: suspend CoroutineScope.() -> T): List<T> = gather(tasks.asList())

/** [gather] over a list of blocks. */
@JvmName("gatherBlocks")
public suspend fun <T> gather(tasks: Iterable<suspend CoroutineScope.() -> T>): List<T> = coroutineScope {
    tasks.map { async(block = it) }.awaitAll()
}

/**
 * Waits for tasks that are already running and returns their results in argument order.
 *
 * **Failure.** The first task to fail cancels the others (they are handed to `gather`, as in
 * asyncio); `gather` waits until all have finished, then rethrows that first exception.
 *
 * **Cancellation.** Cancelling the caller cancels every task and waits for them to finish.
 */
@JvmName("gatherDeferreds")
public suspend fun <T> gather(tasks: Iterable<Deferred<T>>): List<T> {
    val list = tasks.toList()
    try {
        return list.awaitAll()
    } catch (failure: Throwable) {
        list.forEach { it.cancel(CancellationException("A sibling in gather failed", failure)) }
        withContext(NonCancellable) { list.joinAll() }
        throw failure
    }
}

/**
 * Runs every block concurrently and returns how each one ended, in argument order, asyncio's
 * `gather(return_exceptions=True)`: a failing block does not cancel the others.
 *
 * **Cancellation.** Cancelling the caller cancels every block, waits for them, and throws
 * `CancellationException` (no outcomes are returned).
 */
public suspend fun <T> gatherSettled(vararg tasks: suspend CoroutineScope.() -> T): List<Outcome<T>> =
    gatherSettled(tasks.asList())

/** [gatherSettled] over a list of blocks. */
@JvmName("gatherSettledBlocks")
public suspend fun <T> gatherSettled(tasks: Iterable<suspend CoroutineScope.() -> T>): List<Outcome<T>> =
    supervisorScope {
        tasks.map { async(block = it) }.let { settle(it) }
    }

/**
 * How each of these running tasks ends, in argument order; a failure cancels nothing.
 *
 * **Cancellation.** Cancelling the caller cancels every task (they were handed to `gatherSettled`,
 * as in asyncio), waits for them, and throws `CancellationException`.
 */
@JvmName("gatherSettledDeferreds")
public suspend fun <T> gatherSettled(tasks: Iterable<Deferred<T>>): List<Outcome<T>> {
    val list = tasks.toList()
    try {
        return settle(list)
    } catch (cancelled: CancellationException) {
        list.forEach { it.cancel(cancelled) }
        withContext(NonCancellable) { list.joinAll() }
        throw cancelled
    }
}

private suspend fun <T> settle(tasks: List<Deferred<T>>): List<Outcome<T>> {
    tasks.joinAll()
    return tasks.map { it.outcome() }
}

@OptIn(kotlinx.coroutines.ExperimentalCoroutinesApi::class)
internal fun <T> Deferred<T>.outcome(): Outcome<T> {
    val failure = getCompletionExceptionOrNull()
    return if (failure == null) Outcome.Success(getCompleted()) else Outcome.Failure(failure)
}
