@file:JvmName("Tasks")

package dev.kaio

import kotlin.coroutines.EmptyCoroutineContext
import kotlin.time.Duration
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.yield

/**
 * Starts [block] as a new task, asyncio's `create_task`: a child of this scope, named [name] (a
 * [CoroutineName], shown in task dumps and debug logs).
 *
 * The task is scheduled, not run at once: it starts when the dispatcher next runs it. Cancelling
 * this scope cancels the task; the task's failure cancels this scope (structured concurrency),
 * unless the scope is a supervisor. Await the result with [Deferred.await].
 *
 * On a supervisor, a failure is kept only in the returned [Deferred]: Kaio does not warn when
 * nobody awaits it (it cannot observe kotlinx's `await`), unlike the Java facade's `Tasks.spawn`
 * (see `dev.kaio.interop.UnretrievedFailures`). Await it, or use `launch` with a
 * `CoroutineExceptionHandler`, or a [taskGroup].
 */
public fun <T> CoroutineScope.spawn(name: String? = null, block: suspend CoroutineScope.() -> T): Deferred<T> =
    async(if (name == null) EmptyCoroutineContext else CoroutineName(name), block = block)

/**
 * Suspends for [duration], asyncio's `sleep`. `sleep(Duration.ZERO)` yields to other tasks once,
 * as `asyncio.sleep(0)` does (kotlinx's `delay(0)` would not).
 *
 * Cancellable: cancellation while sleeping resumes at once with `CancellationException`.
 * Follows virtual time under `kotlinx-coroutines-test`.
 *
 * @throws IllegalArgumentException if [duration] is negative.
 */
public suspend fun sleep(duration: Duration) {
    require(!duration.isNegative()) { "sleep duration must not be negative: $duration" }
    if (duration == Duration.ZERO) yield() else delay(duration)
}
