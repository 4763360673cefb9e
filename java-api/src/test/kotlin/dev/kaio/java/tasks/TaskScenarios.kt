package dev.kaio.java.tasks

import dev.kaio.KaioClock
import dev.kaio.Outcome
import dev.kaio.ReturnWhen
import dev.kaio.TaskGroupException
import dev.kaio.interop.runAsLoop
import java.util.concurrent.TimeoutException
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.job
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.MethodSource

/**
 * The behaviour of the task API, written once and run against the Kotlin API and the Java facade,
 * on virtual time: `currentTime` is the virtual clock in milliseconds.
 */
class TaskScenarios {
    companion object {
        @JvmStatic
        fun apis(): List<TaskApi> = listOf(KotlinTasks, JavaTasks)
    }

    /** The scenario's scope: a loop on the test dispatcher, with the virtual clock installed. */
    class Scenario(private val test: TestScope, scope: CoroutineScope) : CoroutineScope by scope {
        /** Virtual time in milliseconds. */
        val currentTime: Long get() = test.currentTime

        /** Where a scenario starts the caller's own tasks (handles): their failures fail nothing else. */
        val handles: CoroutineScope = CoroutineScope(scope.coroutineContext + SupervisorJob(scope.coroutineContext.job))
    }

    private fun scenario(body: suspend Scenario.() -> Unit) = runTest {
        val test = this
        withContext(KaioClock(testScheduler.timeSource)) { runAsLoop { Scenario(test, this).body() } }
    }

    private class Boom(message: String) : RuntimeException(message)

    @ParameterizedTest @MethodSource("apis")
    fun `gather returns results in argument order, not finishing order`(api: TaskApi) = scenario {
        val results = api.gather({ delay(30); "slow" }, { delay(10); "fast" }, { "now" })
        assertEquals(listOf("slow", "fast", "now"), results)
        assertEquals(30, currentTime)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `gather of nothing is an empty list`(api: TaskApi) = scenario {
        assertEquals(emptyList(), api.gather<Int>())
    }

    @ParameterizedTest @MethodSource("apis")
    fun `failing gather cancels its siblings and waits for them before it throws`(api: TaskApi) = scenario {
        val events = mutableListOf<String>()
        val failure = assertFailsWith<Boom> {
            api.gather(
                { delay(10); throw Boom("first") },
                {
                    try { delay(1_000); "never" } catch (e: CancellationException) {
                        events += "sibling cancelled at $currentTime"; throw e
                    } finally {
                        withContext(NonCancellable) { delay(5) } // cleanup that suspends: gather must wait for it
                        events += "sibling cleaned up at $currentTime"
                    }
                },
            )
        }
        assertEquals("first", failure.message)
        assertEquals(listOf("sibling cancelled at 10", "sibling cleaned up at 15"), events)
        assertEquals(15, currentTime)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `gatherSettled lets every task finish and reports each outcome in order`(api: TaskApi) = scenario {
        val outcomes = api.gatherSettled({ delay(20); 1 }, { delay(10); throw Boom("two") }, { delay(30); 3 })
        assertEquals(Outcome.Success(1), outcomes[0])
        assertEquals("two", assertIs<Outcome.Failure>(outcomes[1]).exception.message)
        assertEquals(Outcome.Success(3), outcomes[2])
        assertEquals(30, currentTime)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `asCompleted yields in finishing order, failures included`(api: TaskApi) = scenario {
        val tasks = listOf(handles.async { delay(30); "c" }, handles.async<String> { delay(10); throw Boom("a") }, handles.async { delay(20); "b" })
        val completion = api.asCompleted(tasks, null)
        assertFalse(completion.timedOut)
        assertEquals("a", assertIs<Outcome.Failure>(completion.outcomes[0]).exception.message)
        assertEquals(listOf(Outcome.Success("b"), Outcome.Success("c")), completion.outcomes.drop(1))
    }

    @ParameterizedTest @MethodSource("apis")
    fun `asCompleted times out after yielding what finished, and leaves the rest running`(api: TaskApi) = scenario {
        val slow = async { delay(100); "slow" }
        val tasks = listOf(slow, async { delay(10); "fast" })
        val completion = api.asCompleted(tasks, 50.milliseconds)
        assertEquals(Completion(listOf(Outcome.Success("fast")), timedOut = true), completion)
        assertEquals(50, currentTime)
        assertTrue(slow.isActive, "asCompleted must not cancel the caller's task")
        assertEquals("slow", slow.await())
    }

    @ParameterizedTest @MethodSource("apis")
    fun `wait FIRST_COMPLETED returns at the first finish and cancels nothing`(api: TaskApi) = scenario {
        val tasks = listOf(async { delay(30); 1 }, async { delay(10); 2 })
        assertEquals(setOf(1) to setOf(0), api.wait(tasks, ReturnWhen.FIRST_COMPLETED, null))
        assertEquals(10, currentTime)
        assertEquals(1, tasks[0].await())
    }

    @ParameterizedTest @MethodSource("apis")
    fun `wait FIRST_EXCEPTION returns at the first failure, not at a cancellation`(api: TaskApi) = scenario {
        val cancelled = handles.async { delay(5); awaitCancellation() }
        val tasks = listOf(handles.async { delay(50); 1 }, handles.async<Int> { delay(20); throw Boom("x") }, cancelled)
        launch { delay(7); cancelled.cancel() }
        assertEquals(setOf(1, 2) to setOf(0), api.wait(tasks, ReturnWhen.FIRST_EXCEPTION, null))
        assertEquals(20, currentTime)
        tasks[0].await()
    }

    @ParameterizedTest @MethodSource("apis")
    fun `wait FIRST_EXCEPTION without failures waits for all`(api: TaskApi) = scenario {
        val tasks = listOf(async { delay(50); 1 }, async { delay(20); 2 })
        assertEquals(setOf(0, 1) to emptySet(), api.wait(tasks, ReturnWhen.FIRST_EXCEPTION, null))
        assertEquals(50, currentTime)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `wait ALL_COMPLETED with a timeout returns the pending ones without cancelling them`(api: TaskApi) = scenario {
        val tasks = listOf(async { delay(10); 1 }, async { delay(100); 2 })
        assertEquals(setOf(0) to setOf(1), api.wait(tasks, ReturnWhen.ALL_COMPLETED, 40.milliseconds))
        assertEquals(40, currentTime)
        assertEquals(2, tasks[1].await())
    }

    @ParameterizedTest @MethodSource("apis")
    fun `wait on nothing is a clear error`(api: TaskApi) = scenario {
        val error = assertFailsWith<IllegalArgumentException> { api.wait(emptyList<kotlinx.coroutines.Deferred<Int>>(), ReturnWhen.ALL_COMPLETED, null) }
        assertTrue("at least one" in error.message!!, error.message)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a negative timeout is a clear error`(api: TaskApi) = scenario {
        val error = assertFailsWith<IllegalArgumentException> { api.timeout((-1).milliseconds) { "x" } }
        assertTrue("negative" in error.message!!, error.message)
        assertFailsWith<IllegalArgumentException> { api.sleep((-1).milliseconds) }
    }

    @ParameterizedTest @MethodSource("apis")
    fun `timeout returns the value when the work is in time`(api: TaskApi) = scenario {
        assertEquals("ok", api.timeout(50.milliseconds) { delay(49); "ok" })
    }

    @ParameterizedTest @MethodSource("apis")
    fun `timeout cancels the work, runs its finally, and throws TimeoutException`(api: TaskApi) = scenario {
        var cleanedUpAt = -1L
        assertFailsWith<TimeoutException> {
            api.timeout(50.milliseconds) {
                try { delay(1_000) } finally { cleanedUpAt = currentTime }
            }
        }
        assertEquals(50, cleanedUpAt)
        assertEquals(50, currentTime)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a timeout is a failure that an enclosing scope does not swallow`(api: TaskApi) = scenario {
        var laterWorkRan = false
        assertFailsWith<TimeoutException> {
            coroutineScope {
                launch { api.timeout(10.milliseconds) { delay(100) } }
                launch { delay(200); laterWorkRan = true }
            }
        }
        assertFalse(laterWorkRan, "the timeout must fail the enclosing scope and cancel its other children")
        assertEquals(10, currentTime)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `nested timeouts - the inner fires first and the outer block sees an ordinary exception`(api: TaskApi) = scenario {
        val result = api.timeout(100.milliseconds) {
            val inner = runCatching { api.timeout(10.milliseconds) { delay(50) } }
            assertIs<TimeoutException>(inner.exceptionOrNull())
            delay(20)
            "outer finished at $currentTime"
        }
        assertEquals("outer finished at 30", result)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `nested timeouts - the outer fires first and the inner does not claim it`(api: TaskApi) = scenario {
        var innerSaw: Throwable? = null
        assertFailsWith<TimeoutException> {
            api.timeout(10.milliseconds) {
                try {
                    api.timeout(100.milliseconds) { delay(50) }
                } catch (e: Throwable) {
                    innerSaw = e
                    throw e
                }
            }
        }
        assertIs<CancellationException>(innerSaw, "the inner block is cancelled, it does not time out itself")
        assertEquals(10, currentTime)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `reschedule moves the deadline later and earlier`(api: TaskApi) = scenario {
        val later = api.timeout(10.milliseconds) { reschedule ->
            reschedule(100.milliseconds)
            delay(50)
            "done at $currentTime"
        }
        assertEquals("done at 50", later)
        assertFailsWith<TimeoutException> {
            api.timeout(100.milliseconds) { reschedule ->
                delay(10)
                reschedule(5.milliseconds)
                delay(50)
            }
        }
        assertEquals(65, currentTime)
        assertEquals("free", api.timeout(10.milliseconds) { reschedule -> reschedule(null); delay(500); "free" })
    }

    @ParameterizedTest @MethodSource("apis")
    fun `shield keeps the work running when the caller is cancelled`(api: TaskApi) = scenario {
        var finishedAt = -1L
        val caller = launch { api.shield { delay(50); finishedAt = currentTime; "done" } }
        delay(10)
        caller.cancel()
        caller.join()
        assertTrue(caller.isCancelled)
        assertEquals(10, currentTime, "the caller is cancelled at once")
        delay(100)
        assertEquals(50, finishedAt, "the shielded work ran to its end")
    }

    @ParameterizedTest @MethodSource("apis")
    fun `shield passes the result and the failure through`(api: TaskApi) = scenario {
        assertEquals(7, api.shield { delay(1); 7 })
        assertEquals("inner", assertFailsWith<Boom> { api.shield { throw Boom("inner") } }.message)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a task group with two failures throws one exception listing both, after cancelling the rest`(api: TaskApi) = scenario {
        var survivorCancelled = false
        val error = assertFailsWith<TaskGroupException> {
            api.taskGroup { spawn ->
                spawn { delay(10); throw Boom("one") }
                spawn {
                    try { delay(10); awaitCancellation() } finally {
                        withContext(NonCancellable) { yield() }
                        throw Boom("two")
                    }
                }
                spawn { try { delay(1_000) } catch (e: CancellationException) { survivorCancelled = true; throw e } }
                delay(5_000)
            }
        }
        assertEquals(listOf("one", "two"), error.exceptions.map { it.message })
        assertEquals(error.exceptions, error.suppressed.toList())
        assertTrue(survivorCancelled)
        assertEquals(10, currentTime)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `a task group returns the body's value after every task finished`(api: TaskApi) = scenario {
        var last = 0L
        val value = api.taskGroup { spawn ->
            spawn { delay(40); last = currentTime }
            spawn { delay(20) }
            "body"
        }
        assertEquals("body", value)
        assertEquals(40, last)
        assertEquals(40, currentTime)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `cancelling a spawned task runs its finally`(api: TaskApi) = scenario {
        var cleanedUpAt = -1L
        val task = api.spawn(this) { try { delay(1_000) } finally { cleanedUpAt = currentTime } }
        delay(10)
        task.cancel()
        assertFailsWith<CancellationException> { task.await() }
        delay(1)
        assertEquals(10, cleanedUpAt)
    }

    @ParameterizedTest @MethodSource("apis")
    fun `sleep follows virtual time and zero yields`(api: TaskApi) = scenario {
        var other = false
        launch { other = true }
        api.sleep(kotlin.time.Duration.ZERO)
        assertTrue(other, "sleep(0) lets another task run")
        api.sleep(25.milliseconds)
        assertEquals(25, currentTime)
    }
}
