package dev.kaio.interop

import dev.kaio.BackgroundScope
import dev.kaio.debug.UnretrievedFailures
import dev.kaio.ownerScopeOnThisThread
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Job

/**
 * [task], a Java facade `Tasks.spawn` task, as a future watched for a failure nobody retrieves
 * (asyncio's "Task exception was never retrieved"; the rule is in
 * [dev.kaio.debug.UnretrievedFailures]). Only tasks started inside a loop are watched.
 *
 * For a future, retrieval is a `get`, `join` or `getNow` call, or a dependent stage (`whenComplete`,
 * `handle`, `exceptionally`, `thenApply`, `thenCompose`, `toCompletableFuture().copy()`, or Kaio's own
 * facade functions, which use them) made before or after the failure, or something (such as
 * `allOf`) waiting on it when it failed. `resultNow`/`exceptionNow` (JDK 19+) and an `allOf` applied
 * after the failure are not seen.
 *
 * How: the returned `WatchedFuture` mirrors the task's own future (completion one way,
 * completion/cancellation from outside the other way) and notes every retrieval; like the task's
 * own future it is a [TaskBackedFuture], so awaiting it keeps structured cancellation.
 */
internal fun <T> watchForUnretrievedFailure(name: String?, task: CompletableFuture<T>): CompletableFuture<T> {
    val owner = ownerScopeOnThisThread().takeIf { it !== BackgroundScope }?.coroutineContext?.get(Job) ?: return task
    val watched = WatchedFuture(task)
    task.whenComplete { value, failure ->
        when {
            failure == null -> watched.completeFromTask(value)
            task.isCancelled -> watched.cancelFromTask()
            else -> {
                val waitedFor = watched.numberOfDependents > 0
                watched.failFromTask(failure)
                if (!waitedFor && failure !is CancellationException) {
                    UnretrievedFailures.reportAtLoopEnd(owner, name, failure) { watched.retrieved }
                }
            }
        }
    }
    return watched
}

/** Mirrors [task]; every way of reading its outcome sets [retrieved]. */
private class WatchedFuture<T>(private val task: CompletableFuture<T>) :
    KaioFuture<T>(task.defaultExecutor()), TaskBackedFuture {
    @Volatile
    var retrieved = false

    // A task awaiting this future and cancelled still waits for the spawned task's cleanup.
    override val backingTask: Job? get() = (task as? TaskBackedFuture)?.backingTask

    fun completeFromTask(value: T) = super.complete(value)
    fun failFromTask(failure: Throwable) = super.completeExceptionally(failure)
    fun cancelFromTask() = super.cancel(false)

    override fun complete(value: T): Boolean = super.complete(value).also { if (it) task.complete(value) }
    override fun completeExceptionally(ex: Throwable): Boolean =
        super.completeExceptionally(ex).also { if (it) task.completeExceptionally(ex) }
    override fun cancel(mayInterruptIfRunning: Boolean): Boolean =
        super.cancel(mayInterruptIfRunning).also { if (it) task.cancel(mayInterruptIfRunning) }

    override fun get(): T {
        retrieved = true
        return super.get()
    }

    override fun get(timeout: Long, unit: TimeUnit): T {
        retrieved = true
        return super.get(timeout, unit)
    }

    override fun join(): T {
        retrieved = true
        return super.join()
    }

    override fun getNow(valueIfAbsent: T): T {
        retrieved = true
        return super.getNow(valueIfAbsent)
    }

    /** Every dependent stage (whenComplete, handle, thenApply, copy, …) starts here. */
    override fun <U> newIncompleteFuture(): CompletableFuture<U> {
        retrieved = true
        return super.newIncompleteFuture()
    }
}
