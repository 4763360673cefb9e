package dev.kaio.java.queue

import dev.kaio.interop.runAsLoop
import dev.kaio.queue.QueueShutdownException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.yield
import org.junit.jupiter.api.Test

/**
 * The facade's waiting `get`/`put` (no task per wait: a waiter completes the future with one
 * dispatch to the loop): the races between a hand-off and a cancellation of the future, the end of
 * the loop, and shutdown. Runs on the test dispatcher inside a loop, so each dispatched completion
 * runs only when the test yields.
 */
class QueueFacadeWaitTest {
    private fun loopTest(body: suspend () -> Unit) = runTest { runAsLoop { body() } }

    private suspend fun settle() = repeat(5) { yield() }

    @Test
    fun waitingGetCompletesOnTheLoopWithTheHandedItem() = loopTest {
        val q = AsyncQueue.fifo<Int>(2)
        val get = q.get()
        assertFalse(get.isDone)
        assertTrue(q.tryPut(1))
        assertFalse(get.isDone, "the completion is dispatched to the loop, not run inside put")
        settle()
        assertEquals(1, get.getNow(null))
        assertTrue(q.isEmpty)
        assertEquals(1L, q.unfinishedTasks())
    }

    @Test
    fun getCancelledAfterTheHandOffGivesTheItemBackToTheFront() = loopTest {
        val q = AsyncQueue.fifo<Int>(2)
        val get = q.get()
        assertTrue(q.tryPut(1)) // handed to the waiting get; its future is not completed yet
        assertTrue(q.tryPut(2))
        assertTrue(get.cancel(false))
        settle()
        assertEquals(1, q.tryGet(), "the item handed to the cancelled get is the next one out")
        assertEquals(2, q.tryGet())
        assertNull(q.tryGet())
        assertEquals(2L, q.unfinishedTasks())
    }

    @Test
    fun getCancelledWhileWaitingTakesNothing() = loopTest {
        val q = AsyncQueue.fifo<Int>(1)
        val cancelled = q.get()
        val next = q.get()
        assertTrue(cancelled.cancel(false))
        assertTrue(q.toString().contains("getters=1"), q.toString())
        assertTrue(q.tryPut(5))
        settle()
        assertEquals(5, next.getNow(null), "the item skips the withdrawn get")
    }

    @Test
    fun putCancelledAfterTheHandOffTakesItsItemBackOut() = loopTest {
        val q = AsyncQueue.fifo<Int>(1)
        assertTrue(q.tryPut(1))
        val put = q.put(2)
        assertFalse(put.isDone)
        assertEquals(1, q.tryGet()) // moves 2 into the freed slot; the put's future is not completed yet
        assertTrue(put.cancel(false))
        settle()
        assertTrue(q.isEmpty, "the cancelled put inserted nothing")
        assertEquals(1L, q.unfinishedTasks(), "only item 1 remains unfinished")
    }

    @Test
    fun putCancelledWhileWaitingInsertsNothing() = loopTest {
        val q = AsyncQueue.fifo<Int>(1)
        assertTrue(q.tryPut(1))
        val cancelled = q.put(2)
        val waiting = q.put(3)
        assertTrue(cancelled.cancel(false))
        assertEquals(1, q.tryGet())
        settle()
        assertTrue(waiting.isDone && !waiting.isCompletedExceptionally)
        assertEquals(3, q.tryGet())
        assertNull(q.tryGet())
    }

    @Test
    fun shutdownFailsWaitingCallsWithQueueShutdownException() = loopTest {
        val q = AsyncQueue.fifo<Int>(1)
        val get = q.get()
        q.shutdown()
        settle()
        val failure = runCatching { get.get() }.exceptionOrNull()
        assertIs<ExecutionException>(failure)
        assertIs<QueueShutdownException>(failure.cause)
        val late = q.get()
        assertTrue(late.isCompletedExceptionally, "a get after the shutdown of an empty queue fails at once")
    }

    @Test
    fun theEndOfTheLoopCancelsAWaitingGetWhichThenTakesNothing() {
        val q = AsyncQueue.fifo<Int>()
        lateinit var get: CompletableFuture<Int>
        runTest { runAsLoop { get = q.get() } }
        assertTrue(get.isCancelled, "a wait left behind by the loop is cancelled with it")
        assertTrue(q.tryPut(1))
        assertEquals(1, q.tryGet(), "the item did not go to the cancelled get")
    }
}
