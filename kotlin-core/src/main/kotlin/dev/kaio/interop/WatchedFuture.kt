package dev.kaio.interop

import dev.kaio.BackgroundScope
import dev.kaio.ownerScopeOnThisThread
import java.util.concurrent.CancellationException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Job
import org.slf4j.LoggerFactory

/**
 * asyncio's "Task exception was never retrieved", for tasks nobody is bound to watch.
 *
 * Which tasks. With structured concurrency most failures cannot be lost: a child's failure cancels
 * its parent (and so reaches whoever awaits the parent), `launch` failures in a supervisor go to
 * the CoroutineExceptionHandler. What can be lost is a failure held only by a handle: a task
 * started with the Java facade's `Tasks.spawn` (asyncio's `create_task`) is owned by the loop's
 * supervisor, so its failure is kept in the future it returned and nowhere else. Those are the
 * tasks watched here. (Kotlin's `spawn` on a supervisor has the same hole, but its handle is
 * kotlinx's own `Deferred`, whose `await` Kaio cannot observe without replacing the type.)
 *
 * The rule. A `Tasks.spawn` task started inside a loop (`EventLoop.run`, or `runAsLoop`) is
 * reported, once, as a warning through SLF4J (logger `dev.kaio.interop.UnretrievedFailures`) with
 * its name and exception, when all of these hold:
 *  - it failed with an exception that is not a cancellation;
 *  - nobody retrieved the failure from its future: no `get`, `join` or `getNow` call, and no
 *    dependent stage (`whenComplete`, `handle`, `exceptionally`, `thenApply`, `thenCompose`,
 *    `toCompletableFuture().copy()`, or Kaio's own facade functions, which use them) made before
 *    or after the failure, and nothing (such as `allOf`) waiting on it when it failed;
 *  - the loop has ended: the check is made when the loop's task owner completes, a deterministic
 *    point (asyncio waits for the garbage collector). A failure retrieved after the loop ended
 *    was still reported.
 * Tasks started outside any loop belong to a scope that never ends and are not checked; nor are
 * `resultNow`/`exceptionNow` (JDK 19+) or `allOf` applied after the failure seen as retrieval.
 *
 * How. `Tasks.spawn` returns a `WatchedFuture` that mirrors the task's own future (completion one
 * way, completion/cancellation from outside the other way) and notes every retrieval; like the
 * task's own future it is a [TaskBackedFuture], so awaiting it keeps structured cancellation.
 */
internal object UnretrievedFailures {
    private val log = LoggerFactory.getLogger(UnretrievedFailures::class.java)

    /** Where reports go; tests replace it. */
    @Volatile
    var report: (taskName: String, failure: Throwable) -> Unit = { name, failure ->
        log.warn("Task '{}' failed and its exception was never retrieved", name, failure)
    }

    /** [task] as a future that notes retrievals, checked when its owner on this thread ends. */
    fun <T> watch(name: String?, task: CompletableFuture<T>): CompletableFuture<T> {
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
                        owner.invokeOnCompletion { if (!watched.retrieved) report(name ?: "unnamed", failure) }
                    }
                }
            }
        }
        return watched
    }
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
