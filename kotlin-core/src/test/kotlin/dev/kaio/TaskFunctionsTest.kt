package dev.kaio

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest

/** Kotlin-only shapes of the task functions; the shared behaviour is in java-api's TaskScenarios. */
class TaskFunctionsTest {
    private class Boom(message: String) : RuntimeException(message)

    @Test
    fun `spawn names the task`() = runTest {
        val task = spawn("fetcher") { kotlin.coroutines.coroutineContext[CoroutineName]?.name }
        assertEquals("fetcher", task.await())
    }

    @Test
    fun `gather of running tasks cancels the others when one fails`() = runTest {
        val handles = CoroutineScope(coroutineContext + SupervisorJob(coroutineContext.job))
        val slow = handles.async { delay(1_000); 1 }
        val failing = handles.async<Int> { delay(10); throw Boom("no") }
        assertFailsWith<Boom> { gather(listOf(slow, failing)) }
        assertTrue(slow.isCancelled)
        assertEquals(10, currentTime)
        handles.coroutineContext.job.cancel()
    }

    @Test
    fun `gather of running tasks cancels them when the caller is cancelled`() = runTest {
        val handles = CoroutineScope(coroutineContext + SupervisorJob(coroutineContext.job))
        val slow = handles.async { delay(1_000); 1 }
        val caller = launch { gather(listOf(slow)) }
        delay(5)
        caller.cancel()
        caller.join()
        assertTrue(slow.isCancelled)
        handles.coroutineContext.job.cancel()
    }

    @Test
    fun `asCompleted flow ends with the first failure`() = runTest {
        val handles = CoroutineScope(coroutineContext + SupervisorJob(coroutineContext.job))
        val tasks = listOf(handles.async { delay(10); "a" }, handles.async<String> { delay(20); throw Boom("b") }, handles.async { delay(30); "c" })
        val seen = mutableListOf<String>()
        assertFailsWith<Boom> { asCompleted(tasks).collect { seen += it } }
        assertEquals(listOf("a"), seen)
        assertTrue(tasks[2].isActive, "asCompleted never cancels the caller's tasks")
        handles.coroutineContext.job.cancel()
    }

    @Test
    fun `asCompleted of blocks cancels the unfinished ones when collection stops early`() = runTest {
        var cancelled = false
        val blocks = listOf<suspend CoroutineScope.() -> String>(
            { delay(10); "first" },
            { try { delay(1_000); "late" } catch (e: CancellationException) { cancelled = true; throw e } },
        )
        assertEquals("first", asCompleted(blocks).first())
        assertTrue(cancelled)
        assertEquals(10, currentTime)
    }

    @Test
    fun `asCompleted of nothing is empty, and a negative timeout is refused`() = runTest {
        assertEquals(emptyList(), asCompleted(emptyList<kotlinx.coroutines.Deferred<Int>>()).toList())
        assertFailsWith<IllegalArgumentException> { asCompleted(emptyList<kotlinx.coroutines.Deferred<Int>>(), (-1).milliseconds) }
    }

    @Test
    fun `task group refuses spawns after it has finished`() = runTest {
        lateinit var kept: TaskGroup
        taskGroup { kept = this }
        val error = assertFailsWith<IllegalStateException> { kept.spawn { 1 } }
        assertTrue("finished" in error.message!!)
    }

    @Test
    fun `task group wraps a failure of its body too`() = runTest {
        val error = assertFailsWith<TaskGroupException> {
            taskGroup {
                spawn { awaitCancellation() }
                throw Boom("body")
            }
        }
        assertEquals(listOf("body"), error.exceptions.map { it.message })
    }

    @Test
    fun `cancelling the caller of a task group cancels its tasks and throws CancellationException`() = runTest {
        var taskCancelled = false
        val caller = launch {
            taskGroup { spawn { try { awaitCancellation() } finally { taskCancelled = true } } }
        }
        delay(1)
        caller.cancel()
        caller.join()
        assertTrue(caller.isCancelled)
        assertTrue(taskCancelled)
    }

    @Test
    fun `task group exception needs at least one failure`() {
        assertFailsWith<IllegalArgumentException> { TaskGroupException(emptyList()) }
    }

    @Test
    fun `outcome accessors`() {
        val failure = Outcome.Failure(Boom("x"))
        assertEquals(null, failure.getOrNull())
        assertFailsWith<Boom> { failure.getOrThrow() }
        assertEquals(3, Outcome.Success(3).getOrThrow())
        assertTrue(Outcome.Success(3).isSuccess)
    }
}
