@file:JvmName("Tasks")

package dev.kaio

import dev.kaio.debug.UnretrievedFailures
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
 * On a supervisor (`supervisorScope`, a `SupervisorJob`) a failure is kept only in the returned
 * [Deferred]. Inside a loop (`EventLoop.run`), a failure that nobody retrieves from it (`await`,
 * `getCompletionExceptionOrNull`, `awaitAll`, [gather] …) is logged as a warning when the loop ends,
 * asyncio's "Task exception was never retrieved": the rule is in `dev.kaio.debug.UnretrievedFailures`.
 * The returned `Deferred` is then a view of the task's own that notes those retrievals; everywhere
 * else (outside a loop, or on a scope that the task's failure cancels) it is the task itself.
 */
public fun <T> CoroutineScope.spawn(name: String? = null, block: suspend CoroutineScope.() -> T): Deferred<T> =
    UnretrievedFailures.watch(name, async(if (name == null) EmptyCoroutineContext else CoroutineName(name), block = block), coroutineContext)

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
