package dev.kaio.debug

import dev.kaio.LoopBinding
import java.util.concurrent.CancellationException
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Job
import org.slf4j.LoggerFactory

/**
 * asyncio's "Task exception was never retrieved", for tasks whose failure only a handle holds.
 *
 * **Which tasks.** With structured concurrency most failures cannot be lost: a child's failure
 * cancels its parent (and so reaches whoever awaits the parent), a `launch` failure in a
 * supervisor goes to the `CoroutineExceptionHandler`, a [dev.kaio.taskGroup] rethrows. What can be
 * lost is a failure kept only in the handle that started the task:
 *  - a Kotlin `spawn` (the `Deferred` of `async`) on a supervisor: `supervisorScope`, a scope of a
 *    `SupervisorJob`, where the failure does not cancel the parent;
 *  - a Java facade `Tasks.spawn`, owned by the loop's supervisor, whose failure is kept only in the
 *    future it returned (see `dev.kaio.interop.WatchedFuture`).
 *
 * **The rule.** Such a task started inside a loop (`EventLoop.run`, or `runAsLoop`) is reported,
 * once, as a warning through SLF4J (logger `dev.kaio.debug.UnretrievedFailures`) with its name and
 * exception, when all of these hold:
 *  - it failed with an exception that is not a cancellation, and for a Kotlin task the failure did
 *    not cancel its parent (a parent cancelled at that moment, for any reason, counts as told);
 *  - nobody retrieved the failure from its handle, before or after it happened: for a `Deferred`,
 *    no `await`, `getCompleted`, `getCompletionExceptionOrNull`, `onAwait`
 *    (a `select`) or completion handler (`invokeOnCompletion`, hence kotlinx's `awaitAll` and
 *    Kaio's `gather`); for a future, see `WatchedFuture`. `join`, `isCancelled`, Kaio's [dev.kaio.wait]
 *    and `asCompletedTasks` only say that the task ended, as asyncio's `wait` does, and are no
 *    retrieval;
 *  - the loop has ended: the check is made when the loop's task owner completes, a deterministic
 *    point (asyncio waits for the garbage collector). A failure retrieved after the loop ended was
 *    still reported.
 *
 * Tasks started outside any loop are not watched (nothing ends there to check them), nor are tasks
 * whose failure cancels their parent (the first condition can never hold); they cost nothing more.
 * Inside a loop, `spawn` on a supervisor returns a view of the task's `Deferred` that notes
 * retrievals: it is not the `Job` found among the scope's children, but it behaves like it in every
 * other respect (cancelling it cancels the task, a coroutine started with it as parent is the task's
 * child).
 */
internal object UnretrievedFailures {
    private val log = LoggerFactory.getLogger(UnretrievedFailures::class.java)

    /** Where reports go; tests replace it. */
    @Volatile
    var report: (taskName: String, failure: Throwable) -> Unit = { name, failure ->
        log.warn("Task '{}' failed and its exception was never retrieved", name, failure)
    }

    /** The job that completes when the loop running in [context] ends; null outside a loop. */
    fun loopOf(context: CoroutineContext): Job? = LoopBinding.of(context)?.scope?.coroutineContext?.get(Job)

    /** Reports [failure] of task [name] when [loop] ends, unless [retrieved] by then. */
    fun reportAtLoopEnd(loop: Job, name: String?, failure: Throwable, retrieved: () -> Boolean) {
        loop.invokeOnCompletion { if (!retrieved()) report(name ?: "unnamed", failure) }
    }

    /**
     * [task], started in [context], as a `Deferred` watched by the rule above (inside a loop). A
     * task whose failure cancels its parent can never be reported, so it is returned as it is:
     * watching costs about as much as the task itself (`GatherBenchmark`, spawn on a supervisor).
     */
    fun <T> watch(name: String?, task: Deferred<T>, context: CoroutineContext): Deferred<T> {
        val parent = context[Job]
        if (parent != null && failedChildCancels(parent)) return task
        val loop = loopOf(context) ?: return task
        val watched = WatchedDeferred(task)
        task.invokeOnCompletion { failure ->
            if (failure != null && failure !is CancellationException && parent?.isCancelled != true) {
                reportAtLoopEnd(loop, name, failure) { watched.retrieved }
            }
        }
        return watched
    }
}

/**
 * Whether a child of [job] that fails cancels [job]: true for the jobs of kotlinx's `launch`,
 * `async`, `coroutineScope`, `withContext`, `withTimeout`, `runBlocking` and `Job()`; false for a
 * supervisor and for any class not listed, which is then watched (the safe side). kotlinx has no
 * public test for a supervisor, so its class names are the sign; a class it renames is only
 * watched for nothing, and `UnretrievedFailuresTest` notices.
 */
internal fun failedChildCancels(job: Job): Boolean = CANCELLED_BY_FAILED_CHILD.get(job.javaClass)

private val CANCELLED_BY_FAILED_CHILD = object : ClassValue<Boolean>() {
    private val names = setOf(
        "kotlinx.coroutines.StandaloneCoroutine",
        "kotlinx.coroutines.LazyStandaloneCoroutine",
        "kotlinx.coroutines.DeferredCoroutine",
        "kotlinx.coroutines.LazyDeferredCoroutine",
        "kotlinx.coroutines.internal.ScopeCoroutine",
        "kotlinx.coroutines.DispatchedCoroutine",
        "kotlinx.coroutines.UndispatchedCoroutine",
        "kotlinx.coroutines.TimeoutCoroutine",
        "kotlinx.coroutines.BlockingCoroutine",
        "kotlinx.coroutines.JobImpl",
    )

    override fun computeValue(type: Class<*>): Boolean = type.name in names
}

/** This task's own `Deferred`, for Kaio code that watches a task end without retrieving its failure. */
internal fun <T> Deferred<T>.unwatched(): Deferred<T> = (this as? WatchedDeferred<T>)?.task ?: this
