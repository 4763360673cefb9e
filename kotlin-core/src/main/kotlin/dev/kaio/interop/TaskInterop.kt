package dev.kaio.interop

import dev.kaio.DeadlineExceededException
import dev.kaio.EventLoop
import dev.kaio.InternalKaioApi
import dev.kaio.Outcome
import dev.kaio.ReturnWhen
import dev.kaio.TaskGroup
import dev.kaio.Timeout
import dev.kaio.WaitResult
import dev.kaio.asCompletedTasks
import dev.kaio.ownerScopeOnThisThread
import dev.kaio.gather as kaioGather
import dev.kaio.gatherSettled as kaioGatherSettled
import dev.kaio.shield as kaioShield
import dev.kaio.sleep as kaioSleep
import dev.kaio.taskGroup as kaioTaskGroup
import dev.kaio.timeout as kaioTimeout
import dev.kaio.wait as kaioWait
import java.util.IdentityHashMap
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.function.Function
import java.util.function.Supplier
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.time.toKotlinDuration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.runBlocking
import java.time.Duration as JavaDuration

/**
 * The non-suspend entry points of the task API for `dev.kaio.java`. Each is the Kotlin function of
 * the same name, started with [launchFuture]; stages that Java passes in as suppliers belong to
 * the task ([awaitOwned]), stages passed in as handles stay the caller's ([awaitBorrowed]).
 */
@InternalKaioApi
@OptIn(ExperimentalCoroutinesApi::class)
public object TaskInterop {

    /** Inside a loop, a failure nobody retrieves from the returned future is reported: see [watchForUnretrievedFailure]. */
    @JvmStatic
    public fun <T> spawn(name: String?, task: Supplier<out CompletionStage<T>>): CompletableFuture<T> =
        watchForUnretrievedFailure(name, launchFuture(if (name == null) EmptyCoroutineContext else CoroutineName(name)) { task.get().awaitOwned() })

    @JvmStatic
    public fun sleep(duration: JavaDuration): CompletableFuture<Void?> {
        val delay = duration.toKotlinDuration()
        require(!delay.isNegative()) { "sleep duration must not be negative: $duration" }
        return launchFuture {
            kaioSleep(delay)
            null
        }
    }

    @JvmStatic
    public fun <T> gather(tasks: List<Supplier<out CompletionStage<out T>>>): CompletableFuture<List<T>> {
        val blocks = tasks.map { block(it) }
        return launchFuture { kaioGather(blocks) }
    }

    @JvmStatic
    public fun <T> gatherFutures(futures: List<CompletionStage<out T>>): CompletableFuture<List<T>> = launchFuture {
        kaioGather(futures.map { it.toTaskDeferred(owned = true) })
    }

    @JvmStatic
    public fun <T> gatherSettled(tasks: List<Supplier<out CompletionStage<out T>>>): CompletableFuture<List<Outcome<T>>> {
        val blocks = tasks.map { block(it) }
        return launchFuture { kaioGatherSettled(blocks) }
    }

    /**
     * `asCompleted` as a list of futures: the i-th completes with the i-th task to finish (its
     * value or its failure); on timeout every slot still open fails with [DeadlineExceededException].
     * The input futures are never cancelled; cancelling a returned future only empties its slot.
     */
    @JvmStatic
    public fun <T> asCompleted(futures: List<CompletionStage<out T>>, timeout: JavaDuration?): List<CompletableFuture<T>> {
        val limit = timeout?.toKotlinDuration()
        require(limit == null || !limit.isNegative()) { "timeout must not be negative: $timeout" }
        val handles = futures.map { it.toTaskDeferred(owned = false) }
        val slots = List(handles.size) { KaioFuture<T>(executorOf(ownerScopeOnThisThread().coroutineContext)) }
        launchFuture {
            var next = 0
            try {
                asCompletedTasks(handles, limit).collect { done ->
                    val slot = slots[next++]
                    val failure = done.getCompletionExceptionOrNull()
                    if (failure == null) slot.complete(done.getCompleted()) else slot.completeExceptionally(failure)
                }
            } catch (failure: Throwable) {
                while (next < slots.size) slots[next++].completeExceptionally(failure)
                if (failure !is DeadlineExceededException) throw failure
            }
        }
        return slots
    }

    @JvmStatic
    public fun <T> wait(
        futures: Collection<CompletableFuture<T>>,
        returnWhen: ReturnWhen,
        timeout: JavaDuration?,
    ): CompletableFuture<WaitResult<CompletableFuture<T>>> {
        val limit = timeout?.toKotlinDuration()
        require(futures.isNotEmpty()) { "wait() needs at least one future, got none" }
        require(limit == null || !limit.isNegative()) { "timeout must not be negative: $timeout" }
        val byHandle = IdentityHashMap<Deferred<T>, CompletableFuture<T>>()
        futures.forEach { byHandle[it.toTaskDeferred(owned = false)] = it }
        return launchFuture {
            val result = kaioWait(byHandle.keys.toList(), returnWhen, limit)
            WaitResult(
                result.done.mapTo(LinkedHashSet()) { byHandle.getValue(it) },
                result.pending.mapTo(LinkedHashSet()) { byHandle.getValue(it) },
            )
        }
    }

    @JvmStatic
    public fun <T> timeout(duration: JavaDuration, task: Function<Timeout, out CompletionStage<T>>): CompletableFuture<T> {
        val limit = duration.toKotlinDuration()
        require(!limit.isNegative()) { "timeout must not be negative: $duration" }
        return launchFuture { kaioTimeout(limit) { handle -> task.apply(handle).awaitOwned() } }
    }

    @JvmStatic
    public fun rescheduleAfter(timeout: Timeout, delay: JavaDuration?) {
        if (delay == null) timeout.reschedule(null) else timeout.rescheduleAfter(delay.toKotlinDuration())
    }

    /** Cancelling the returned future does not cancel [task]; see `shield`. */
    @JvmStatic
    public fun <T> shield(task: Supplier<out CompletionStage<T>>): CompletableFuture<T> =
        launchFuture { kaioShield { task.get().awaitOwned() } }

    /** The Java view of a running [TaskGroup]. */
    public class GroupHandle internal constructor(private val group: TaskGroup) {
        public fun <T> spawn(name: String?, task: Supplier<out CompletionStage<T>>): CompletableFuture<T> =
            group.spawn(name) { task.get().awaitOwned() }.toFuture()
    }

    @JvmStatic
    public fun <T> taskGroup(body: Function<GroupHandle, out CompletionStage<T>>): CompletableFuture<T> =
        launchFuture { kaioTaskGroup { body.apply(GroupHandle(this)).awaitOwned() } }

    /** `EventLoop.run` for Java: blocks the caller, returns main's value or throws its failure. */
    @JvmStatic
    @Throws(Exception::class)
    public fun <T> runLoop(debug: Boolean, main: Supplier<out CompletionStage<T>>): T =
        EventLoop.run(debug) { main.get().awaitOwned() }

    /** Runs [block] to completion on the calling thread; for tests and benchmarks of the facade. */
    @JvmStatic
    public fun <T> blockingRun(block: suspend CoroutineScope.() -> T): T = runBlocking(block = block)

    private fun <T> block(task: Supplier<out CompletionStage<out T>>): suspend CoroutineScope.() -> T =
        { task.get().awaitOwned() }

    private fun <T> CompletionStage<out T>.toTaskDeferred(owned: Boolean): Deferred<T> {
        val deferred = CompletableDeferred<T>()
        whenComplete { value, failure ->
            if (failure == null) deferred.complete(value) else deferred.completeExceptionally(unwrap(failure))
        }
        if (owned) deferred.invokeOnCompletion { if (deferred.isCancelled) toCompletableFuture().cancel(false) }
        return deferred
    }
}
