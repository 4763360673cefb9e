package dev.kaio.java.tasks

import dev.kaio.Outcome
import dev.kaio.ReturnWhen
import dev.kaio.asCompletedTasks
import dev.kaio.gather as kaioGather
import dev.kaio.gatherSettled as kaioGatherSettled
import dev.kaio.interop.awaitBorrowed
import dev.kaio.interop.awaitOwned
import dev.kaio.interop.launchFuture
import dev.kaio.interop.toFuture
import dev.kaio.java.Deadline
import dev.kaio.java.TaskGroup
import dev.kaio.java.Tasks
import dev.kaio.shield as kaioShield
import dev.kaio.sleep as kaioSleep
import dev.kaio.spawn as kaioSpawn
import dev.kaio.taskGroup as kaioTaskGroup
import dev.kaio.timeout as kaioTimeout
import dev.kaio.wait as kaioWait
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.function.Function
import java.util.function.Supplier
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.collect

/** A unit of work in a scenario; each API turns it into its own kind of task. */
typealias Work<T> = suspend () -> T

/** A running task, seen the same way through either API. */
interface Handle<T> {
    fun cancel()
    suspend fun await(): T
}

/** What `asCompleted` produced, normalised: outcomes in finishing order, then whether it timed out. */
data class Completion<T>(val outcomes: List<Outcome<T>>, val timedOut: Boolean)

/**
 * The task API as the scenarios see it. [KotlinTasks] calls `dev.kaio` directly; [JavaTasks] goes
 * through the Java facade, turning each [Work] into a `Supplier<CompletionStage>`.
 */
interface TaskApi {
    suspend fun <T> gather(vararg work: Work<T>): List<T>
    suspend fun <T> gatherSettled(vararg work: Work<T>): List<Outcome<T>>
    suspend fun <T> asCompleted(tasks: List<Deferred<T>>, timeout: Duration?): Completion<T>
    /** Returns the input indices that were done and pending. */
    suspend fun <T> wait(tasks: List<Deferred<T>>, returnWhen: ReturnWhen, timeout: Duration?): Pair<Set<Int>, Set<Int>>
    suspend fun <T> timeout(duration: Duration, work: suspend (reschedule: (Duration?) -> Unit) -> T): T
    suspend fun <T> shield(work: Work<T>): T
    suspend fun <T> taskGroup(body: suspend (spawn: (Work<Any?>) -> Handle<Any?>) -> T): T
    fun <T> spawn(scope: CoroutineScope, work: Work<T>): Handle<T>
    suspend fun sleep(duration: Duration)
}

object KotlinTasks : TaskApi {
    override fun toString() = "Kotlin API"

    override suspend fun <T> gather(vararg work: Work<T>): List<T> = kaioGather(work.map { w -> block(w) })

    override suspend fun <T> gatherSettled(vararg work: Work<T>): List<Outcome<T>> = kaioGatherSettled(work.map { w -> block(w) })

    override suspend fun <T> asCompleted(tasks: List<Deferred<T>>, timeout: Duration?): Completion<T> {
        val outcomes = ArrayList<Outcome<T>>()
        var timedOut = false
        asCompletedTasks(tasks, timeout)
            .catch { if (it is java.util.concurrent.TimeoutException) timedOut = true else throw it }
            .collect { done -> outcomes += runCatching { done.await() }.fold({ Outcome.Success(it) }, { Outcome.Failure(it) }) }
        return Completion(outcomes, timedOut)
    }

    override suspend fun <T> wait(tasks: List<Deferred<T>>, returnWhen: ReturnWhen, timeout: Duration?): Pair<Set<Int>, Set<Int>> {
        val result = kaioWait(tasks, returnWhen, timeout)
        return result.done.map { tasks.indexOf(it) }.toSet() to result.pending.map { tasks.indexOf(it) }.toSet()
    }

    override suspend fun <T> timeout(duration: Duration, work: suspend ((Duration?) -> Unit) -> T): T =
        kaioTimeout(duration) { handle -> work { delay -> if (delay == null) handle.reschedule(null) else handle.rescheduleAfter(delay) } }

    override suspend fun <T> shield(work: Work<T>): T = kaioShield { work() }

    override suspend fun <T> taskGroup(body: suspend ((Work<Any?>) -> Handle<Any?>) -> T): T = kaioTaskGroup {
        body { work -> DeferredHandle(spawn { work() }) }
    }

    override fun <T> spawn(scope: CoroutineScope, work: Work<T>): Handle<T> = DeferredHandle(scope.kaioSpawn { work() })

    override suspend fun sleep(duration: Duration) = kaioSleep(duration)

    private fun <T> block(work: Work<T>): suspend CoroutineScope.() -> T = { work() }
}

private class DeferredHandle<T>(private val deferred: Deferred<T>) : Handle<T> {
    override fun cancel() = deferred.cancel()
    override suspend fun await(): T = deferred.await()
}

object JavaTasks : TaskApi {
    override fun toString() = "Java facade"

    /** The Java form of a task: a supplier whose stage is a coroutine of the current loop. */
    private fun <T> supplier(work: Work<T>): Supplier<CompletionStage<T>> = Supplier { launchFuture { work() } }

    override suspend fun <T> gather(vararg work: Work<T>): List<T> =
        Tasks.gather<T>(work.map { supplier(it) }).awaitAsCaller()

    override suspend fun <T> gatherSettled(vararg work: Work<T>): List<Outcome<T>> =
        Tasks.gatherSettled<T>(work.map { supplier(it) }).awaitAsCaller()

    override suspend fun <T> asCompleted(tasks: List<Deferred<T>>, timeout: Duration?): Completion<T> {
        val slots = Tasks.asCompleted(tasks.map { it.toFuture() }, timeout?.toJavaDuration())
        val outcomes = ArrayList<Outcome<T>>()
        var timedOut = false
        for (slot in slots) {
            try {
                outcomes += Outcome.Success(slot.awaitBorrowed())
            } catch (e: java.util.concurrent.TimeoutException) {
                timedOut = true
            } catch (e: Exception) {
                outcomes += Outcome.Failure(e)
            }
        }
        return Completion(outcomes, timedOut)
    }

    override suspend fun <T> wait(tasks: List<Deferred<T>>, returnWhen: ReturnWhen, timeout: Duration?): Pair<Set<Int>, Set<Int>> {
        val futures = tasks.map { it.toFuture() }
        val result = Tasks.wait(futures, returnWhen, timeout?.toJavaDuration()).awaitAsCaller()
        return result.done.map { futures.indexOf(it) }.toSet() to result.pending.map { futures.indexOf(it) }.toSet()
    }

    override suspend fun <T> timeout(duration: Duration, work: suspend ((Duration?) -> Unit) -> T): T =
        Tasks.timeout(duration.toJavaDuration(), Function<Deadline, CompletionStage<T>> { deadline ->
            launchFuture { work { delay -> deadline.rescheduleAfter(delay?.toJavaDuration()) } }
        }).awaitAsCaller()

    override suspend fun <T> shield(work: Work<T>): T {
        val shielded = Tasks.shield(supplier(work))
        // Cancelling this caller cancels the shield's own future, which must not reach the work.
        return shielded.awaitAsCaller()
    }

    override suspend fun <T> taskGroup(body: suspend ((Work<Any?>) -> Handle<Any?>) -> T): T =
        TaskGroup.run<T> { group ->
            launchFuture { body { work -> FutureHandle(group.spawn(supplier(work))) } }
        }.awaitAsCaller()

    override fun <T> spawn(scope: CoroutineScope, work: Work<T>): Handle<T> = FutureHandle(Tasks.spawn(supplier(work)))

    override suspend fun sleep(duration: Duration) {
        Tasks.sleep(duration.toJavaDuration()).awaitAsCaller()
    }
}

/** Awaits a facade future as a Java caller's task would: cancelling the caller cancels the future. */
private suspend fun <T> CompletableFuture<T>.awaitAsCaller(): T = awaitOwned()

private class FutureHandle<T>(private val future: CompletableFuture<T>) : Handle<T> {
    override fun cancel() {
        future.cancel(true)
    }

    override suspend fun await(): T = future.awaitBorrowed()
}
