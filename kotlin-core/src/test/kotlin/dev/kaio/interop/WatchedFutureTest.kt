package dev.kaio.interop

import dev.kaio.EventLoop
import dev.kaio.debug.RecordsUnretrievedReports
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertSame
import kotlin.test.assertTrue
import kotlin.test.fail
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield

/** The "exception was never retrieved" warning for facade tasks; the loop's end is the trigger. */
class WatchedFutureTest : RecordsUnretrievedReports() {
    /** Lets the loop run until [condition] holds; fails instead of spinning forever. */
    private suspend fun yieldUntil(condition: () -> Boolean) {
        repeat(10_000) { if (condition()) return else yield() }
        fail("the condition never held")
    }

    private fun failing(): CompletableFuture<Int> = TaskInterop.spawn("doomed") { CompletableFuture.failedFuture<Int>(boom) }

    /** Runs a loop that spawns a failing task, waits until it failed, then hands it to [afterFailure]. */
    private fun loopWithFailedTask(afterFailure: (CompletableFuture<Int>) -> Unit = {}) = EventLoop.run {
        val task = failing()
        yieldUntil { task.isDone } // isDone is no retrieval
        afterFailure(task)
    }

    @Test
    fun `a failure nobody retrieved is reported once, with the task's name, when the loop ends`() {
        loopWithFailedTask()
        assertEquals(1, reports.size)
        assertEquals("doomed", reports.single().first)
        assertSame(boom, reports.single().second)
    }

    @Test
    fun `a failure retrieved after it happened is not reported`() {
        val retrievals = listOf<(CompletableFuture<Int>) -> Unit>(
            { runCatching { it.join() } },
            { runCatching { it.get() } },
            { runCatching { it.get(1, TimeUnit.SECONDS) } },
            { runCatching { it.getNow(0) } },
            { it.whenComplete { _, _ -> } },
            { it.exceptionally { 0 } },
            { it.handle { _, failure -> failure } },
        )
        for (retrieve in retrievals) loopWithFailedTask(retrieve)
        assertEquals(emptyList(), reports.toList())
    }

    @Test
    fun `a failure somebody waited for when it happened is not reported`() {
        EventLoop.run {
            val viaDependent = failing().also { it.exceptionally { 0 } }
            val viaAllOf = failing().also { CompletableFuture.allOf(it) }
            val viaKaio = failing()
            assertSame(boom, runCatching { viaKaio.awaitBorrowed() }.exceptionOrNull())
            yieldUntil { viaDependent.isDone && viaAllOf.isDone }
        }
        assertEquals(emptyList(), reports.toList())
    }

    @Test
    fun `success and cancellation are not failures`() {
        EventLoop.run {
            val fine = TaskInterop.spawn("fine") { CompletableFuture.completedFuture(1) }
            val cancelled = TaskInterop.spawn("cancelled") { CompletableFuture<Int>() }
            val leftBehind = TaskInterop.spawn("left running") { CompletableFuture<Int>() } // cancelled by the loop's end
            cancelled.cancel(false)
            yieldUntil { fine.isDone }
            assertTrue(cancelled.isCancelled && !leftBehind.isDone)
        }
        assertEquals(emptyList(), reports.toList())
    }

    @Test
    fun `the returned future still mirrors the task both ways`() {
        EventLoop.run {
            val gate = CompletableFuture<Int>()
            var started = false
            val task = TaskInterop.spawn("mirrored") { started = true; gate }
            yieldUntil { started }
            assertTrue(task.complete(7)) // completing from outside cancels the task, which cancels the stage it owns
            yieldUntil { gate.isDone }
            assertTrue(gate.isCancelled)
            assertEquals(7, task.join())
            val value = TaskInterop.spawn("value") { CompletableFuture.completedFuture(5) }
            assertEquals(5, value.awaitBorrowed())
        }
        assertEquals(emptyList(), reports.toList())
    }

    @Test
    fun `a task cancelled while it awaits a spawned task waits for that task's cleanup`() {
        EventLoop.run {
            val cleanupDone = CompletableFuture<Unit>()
            var started = false
            val child = TaskInterop.spawn("child") {
                launchFuture {
                    started = true
                    try {
                        awaitCancellation()
                    } finally {
                        withContext(NonCancellable) { delay(50) } // a cleanup that takes a while
                        cleanupDone.complete(Unit)
                    }
                }
            }
            val waiter = launch { child.awaitOwned() }
            yieldUntil { started }
            waiter.cancelAndJoin()
            assertTrue(cleanupDone.isDone, "the waiter finished before the spawned task's finally block")
            assertTrue(child.isCancelled)
        }
        assertEquals(emptyList(), reports.toList())
    }
}
