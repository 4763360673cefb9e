package dev.kaio.debug

import dev.kaio.EventLoop
import dev.kaio.asCompletedTasks
import dev.kaio.gather
import dev.kaio.gatherSettled
import dev.kaio.spawn
import dev.kaio.wait
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertSame
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.supervisorScope
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/** The "exception was never retrieved" warning for Kotlin `spawn`; the loop's end is the trigger. */
class UnretrievedFailuresTest : RecordsUnretrievedReports() {
    private fun CoroutineScope.failing(name: String = "doomed"): Deferred<Int> = spawn(name) { throw boom }

    /** Runs a loop in which a supervised task fails; once it has, hands it to [afterFailure]. */
    private fun loopWithFailedTask(afterFailure: suspend CoroutineScope.(Deferred<Int>) -> Unit = {}) = EventLoop.run {
        supervisorScope {
            val task = failing()
            task.join() // join is no retrieval
            afterFailure(task)
        }
    }

    @Test
    fun `a supervised failure nobody retrieved is reported once, with the task's name, when the loop ends`() {
        loopWithFailedTask()
        assertEquals(listOf("doomed" to boom as Throwable), reports.toList())
    }

    @Test
    fun `a task of a SupervisorJob scope is watched too`() {
        EventLoop.run {
            val scope = CoroutineScope(coroutineContext + SupervisorJob(coroutineContext.job))
            scope.failing("in a supervisor job").join()
            scope.coroutineContext.job.cancelAndJoin()
        }
        assertEquals(listOf("in a supervisor job"), reports.map { it.first })
    }

    @Test
    fun `every way of reading the failure after it happened counts as retrieval`() {
        val retrievals = listOf<suspend CoroutineScope.(Deferred<Int>) -> Unit>(
            { runCatching { it.await() } },
            { runCatching { it.getCompleted() } },
            { it.getCompletionExceptionOrNull() },
            { runCatching { listOf(it).awaitAll() } },
            { runCatching { gather(listOf(it)) } },
            { gatherSettled(listOf(it)) },
            { task -> runCatching { select { task.onAwait { v -> v } } } },
            { it.invokeOnCompletion { } },
        )
        for (retrieve in retrievals) loopWithFailedTask(retrieve)
        assertEquals(emptyList(), reports.toList())
    }

    @Test
    fun `a failure somebody awaited when it happened is not reported`() {
        EventLoop.run {
            supervisorScope {
                val task = spawn("awaited") { yield(); throw boom }
                assertSame(boom, runCatching { task.await() }.exceptionOrNull())
            }
        }
        assertEquals(emptyList(), reports.toList())
    }

    @Test
    fun `waiting for a task to end is no retrieval, as with asyncio's wait`() {
        EventLoop.run {
            supervisorScope {
                val viaWait = failing("seen by wait")
                assertEquals(setOf(viaWait), wait(listOf(viaWait)).done)
                val viaAsCompleted = failing("seen by asCompletedTasks")
                asCompletedTasks(listOf(viaAsCompleted)).collect { assertTrue(it.isCancelled) }
            }
        }
        assertEquals(setOf("seen by wait", "seen by asCompletedTasks"), reports.map { it.first }.toSet())
    }

    @Test
    fun `a failure that cancelled its parent reached the parent and is not reported`() {
        val thrown = assertFailsWith<IllegalStateException> { EventLoop.run { failing().join() } }
        assertSame(boom, thrown)
        assertEquals(emptyList(), reports.toList())
    }

    @Test
    fun `a task whose failure cancels its parent is not watched, whatever kind of job the parent is`() {
        // Also the sign that kotlinx still names its job classes as failedChildCancels expects.
        fun CoroutineScope.assertUnwatched(parentKind: String) =
            assertFalse(spawn { 1 } is WatchedDeferred<*>, "a spawn under $parentKind is watched")
        EventLoop.run {
            assertUnwatched("the loop's main")
            coroutineScope { assertUnwatched("coroutineScope") }
            withContext(Dispatchers.Default) { assertUnwatched("withContext") }
            withContext(CoroutineName("undispatched")) { assertUnwatched("withContext on the same dispatcher") }
            withTimeout(10.seconds) { assertUnwatched("withTimeout") }
            launch { assertUnwatched("launch") }.join()
            launch(start = CoroutineStart.LAZY) { assertUnwatched("a lazy launch") }.join()
            async { assertUnwatched("async") }.await()
            async(start = CoroutineStart.LAZY) { assertUnwatched("a lazy async") }.await()
            CoroutineScope(coroutineContext + Job(coroutineContext.job)).assertUnwatched("Job()")
        }
        runBlocking { assertFalse(failedChildCancels(SupervisorJob())) }
    }

    @Test
    fun `a task whose failure does not reach a parent is watched`() {
        EventLoop.run {
            supervisorScope { assertTrue(spawn { 1 } is WatchedDeferred<*>, "under supervisorScope") }
            val supervised = CoroutineScope(coroutineContext + SupervisorJob(coroutineContext.job))
            assertTrue(supervised.spawn { 1 } is WatchedDeferred<*>, "under a SupervisorJob")
            val withoutJob = coroutineContext.minusKey(Job) // CoroutineScope() would add a Job
            val parentless = object : CoroutineScope { override val coroutineContext = withoutJob }
            val orphan = parentless.spawn("orphan") { throw boom }
            assertTrue(orphan is WatchedDeferred<*>, "without a parent")
            orphan.join()
            supervised.coroutineContext.job.cancelAndJoin()
        }
        assertEquals(listOf("orphan"), reports.map { it.first })
    }

    @Test
    fun `success and cancellation are not failures`() {
        EventLoop.run {
            supervisorScope {
                spawn("fine") { 1 }.join()
                spawn("cancelled") { awaitCancellation() }.also { yield() }.cancelAndJoin()
                spawn { yield() }
            }
            spawn("left running") { awaitCancellation() } // cancelled by the loop's end
        }
        assertEquals(emptyList(), reports.toList())
    }

    @Test
    fun `outside a loop spawn returns the task itself and nothing is watched`() {
        runBlocking {
            supervisorScope {
                failing().join()
                val running = spawn { awaitCancellation() }
                assertSame(running, coroutineContext.job.children.single())
                running.cancel()
            }
        }
        assertEquals(emptyList(), reports.toList())
    }

    @Test
    fun `inside a loop the returned Deferred still behaves as the task`() {
        EventLoop.run {
            supervisorScope {
                val task = spawn("watched") { awaitCancellation() }
                yield()
                assertTrue(task.isActive)
                assertTrue("watched" in task.toString(), task.toString())
                assertSame(coroutineContext.job, task.parent)
                val child = launch(task) { awaitCancellation() } // a coroutine with the view as parent is the task's child
                yield()
                assertTrue(task.children.single() === child)
                task.cancel()
                task.join()
                assertTrue(task.isCancelled && child.isCancelled)
                assertEquals(42, spawn { 42 }.await())
            }
        }
        assertEquals(emptyList(), reports.toList())
    }
}
