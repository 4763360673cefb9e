@file:JvmName("TaskGroups")

package dev.kaio

import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.isActive
import kotlinx.coroutines.supervisorScope

/**
 * The failures of a [taskGroup], asyncio's `ExceptionGroup` from a `TaskGroup`: every exception
 * other than cancellation that the group's tasks or its body threw, in the order they happened.
 * They are also attached as [suppressed] exceptions, and the first is the [cause].
 */
public class TaskGroupException(
    /** Every failure, first one first. Never empty. */
    public val exceptions: List<Throwable>,
) : RuntimeException(describe(exceptions), exceptions.firstOrNull()) {
    init {
        require(exceptions.isNotEmpty()) { "TaskGroupException needs at least one failure" }
        exceptions.forEach { addSuppressed(it) }
    }

    private companion object {
        fun describe(exceptions: List<Throwable>): String =
            "${exceptions.size} task(s) failed: " + exceptions.joinToString("; ") { "${it::class.java.name}: ${it.message}" }
    }
}

/** Where the tasks of a [taskGroup] are spawned. */
public interface TaskGroup {
    /**
     * Starts [block] as a task of this group, named [name]. The group waits for it before it
     * ends; if it fails, the group cancels its body and every other task.
     *
     * @throws IllegalStateException if the group has finished or is shutting down after a failure.
     */
    public fun <T> spawn(name: String? = null, block: suspend CoroutineScope.() -> T): Deferred<T>
}

/**
 * Runs [block], in which tasks are started with [TaskGroup.spawn], and waits for all of them,
 * asyncio's `TaskGroup`.
 *
 * **Failure.** The first failure (of a task or of the body) cancels the body and every other
 * task; once all have finished, the group throws one [TaskGroupException] listing every failure.
 * Even a single failure arrives wrapped, as asyncio always raises an `ExceptionGroup`.
 *
 * **Cancellation.** Cancelling the caller cancels the body and every task, waits for them, and
 * throws `CancellationException` (failures that happened meanwhile are attached as suppressed).
 *
 * Returns the body's value once every task has finished successfully.
 */
public suspend fun <R> taskGroup(block: suspend TaskGroup.() -> R): R {
    val group = RunningTaskGroup()
    try {
        return supervisorScope {
            group.start(this)
            try {
                block(group)
            } catch (failure: Throwable) {
                if (failure !is CancellationException) group.fail(failure)
                throw failure
            }
        }.also { group.finish() }
    } catch (failure: Throwable) {
        val failures = group.finish()
        if (failures.isEmpty()) throw failure
        if (failure is CancellationException && !currentCoroutineContext().isActive) {
            failures.forEach { failure.addSuppressed(it) }
            throw failure
        }
        throw TaskGroupException(failures)
    }
}

/*
 * States: OPEN -first failure-> SHUTTING_DOWN -finish-> FINISHED (also OPEN -finish-> FINISHED).
 * Tasks run in a supervisor scope so that the group, not kotlinx, decides what a failure does and
 * user exceptions are not mutated with kotlinx's suppressed siblings.
 */
private class RunningTaskGroup : TaskGroup {
    private enum class State { OPEN, SHUTTING_DOWN, FINISHED }

    private var state = State.OPEN
    private lateinit var scope: CoroutineScope
    private val failures = ArrayList<Throwable>()

    fun start(scope: CoroutineScope) {
        this.scope = scope
    }

    override fun <T> spawn(name: String?, block: suspend CoroutineScope.() -> T): Deferred<T> {
        synchronized(this) {
            check(state == State.OPEN) {
                if (state == State.FINISHED) "TaskGroup has finished; spawn tasks inside its block"
                else "TaskGroup is shutting down after a failure; no new tasks are accepted"
            }
        }
        val context = if (name == null) EmptyCoroutineContext else CoroutineName(name)
        return scope.async(context) {
            try {
                block()
            } catch (failure: Throwable) {
                if (failure !is CancellationException) fail(failure)
                throw failure
            }
        }
    }

    fun fail(failure: Throwable) {
        val first = synchronized(this) {
            failures += failure
            (state == State.OPEN).also { if (it) state = State.SHUTTING_DOWN }
        }
        if (first) scope.cancel(CancellationException("TaskGroup is cancelled: a task failed", failure))
    }

    fun finish(): List<Throwable> = synchronized(this) {
        state = State.FINISHED
        failures.toList()
    }
}
