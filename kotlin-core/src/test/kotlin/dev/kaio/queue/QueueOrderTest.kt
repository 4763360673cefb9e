package dev.kaio.queue

import dev.kaio.sync.Steps
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.yield

/** Ordered-execution tests for the suspension points of [AsyncQueue] and cancellation at each. */
internal class QueueOrderTest {
    private val s = Steps()

    @Test
    fun ordersOfTheThreeKinds() = runTest {
        val fifo = AsyncQueue.fifo<Int>()
        val lifo = AsyncQueue.lifo<Int>()
        val prio = AsyncQueue.priority<Int>()
        for (q in listOf(fifo, lifo, prio)) listOf(2, 1, 3).forEach { q.put(it) }
        assertEquals(listOf(2, 1, 3), List(3) { fifo.get() })
        assertEquals(listOf(3, 1, 2), List(3) { lifo.get() })
        assertEquals(listOf(1, 2, 3), List(3) { prio.get() })
        val byLength = AsyncQueue.priority<String>(comparator = compareBy { it.length })
        listOf("bb", "a1", "c", "a2").forEach { byLength.put(it) }
        assertEquals(listOf("c", "bb", "a1", "a2"), List(4) { byLength.get() }, "equal items keep their put order")
    }

    @Test
    fun getWaitsForPutAndWaitersAreFifo() = runTest {
        val q = AsyncQueue.fifo<Int>()
        val a = async { s.expect(2); q.get() }
        val b = async { s.expect(3); q.get() }
        s.expect(1)
        yield()
        s.expect(4)
        q.put(1)
        q.put(2)
        assertEquals(1, a.await())
        assertEquals(2, b.await())
        s.finish(5)
    }

    @Test
    fun putWaitsWhileFullAndIsServedFifo() = runTest {
        val q = AsyncQueue.fifo<Int>(1)
        q.put(0)
        assertTrue(q.isFull)
        assertFalse(q.tryPut(9))
        launch { q.put(1) }
        launch { q.put(2) }
        yield()
        assertEquals(listOf(0, 1, 2), List(3) { q.get() })
        assertTrue(q.isEmpty)
    }

    @Test
    fun cancelledGetRemovesNothing() = runTest {
        val q = AsyncQueue.fifo<Int>()
        val getter = launch(start = CoroutineStart.UNDISPATCHED) {
            try {
                q.get()
                s.expectUnreached()
            } catch (e: CancellationException) {
                s.expect(2)
                throw e
            }
        }
        s.expect(1)
        getter.cancel()
        getter.join()
        q.put(7)
        assertEquals(1, q.size)
        assertEquals(7, q.tryGet())
        s.finish(3)
    }

    @Test
    fun cancelledPutInsertsNothing() = runTest {
        val q = AsyncQueue.fifo<Int>(1)
        q.put(1)
        val putter = launch(start = CoroutineStart.UNDISPATCHED) { q.put(2); s.expectUnreached() }
        putter.cancel()
        putter.join()
        assertEquals(1, q.get())
        assertNull(q.tryGet())
        assertEquals(1L, q.unfinishedTasks)
    }

    @Test
    fun itemHandedToAGetterCancelledBeforeItResumesGoesBackToTheHead() = runTest {
        for (q in listOf(AsyncQueue.fifo<Int>(), AsyncQueue.lifo(), AsyncQueue.priority<Int>())) {
            val getter = launch(start = CoroutineStart.UNDISPATCHED) { q.get(); s.expectUnreached() }
            q.tryPut(1) // handed to the getter
            q.tryPut(2)
            getter.cancel() // before it runs: 1 goes back to the head
            getter.join()
            assertEquals(listOf(1, 2), listOf(q.get(), q.get()), "$q")
            assertTrue(q.isEmpty)
        }
    }

    @Test
    fun aWakeUpTakenByACancelledGetterIsPassedOn() = runTest {
        for (q in listOf(AsyncQueue.fifo<Int>(), AsyncQueue.lifo(), AsyncQueue.priority<Int>())) {
            val got = mutableListOf<Int>()
            val readers = List(3) { launch(start = CoroutineStart.UNDISPATCHED) { got += q.get() } }
            q.tryPut(1)
            q.tryPut(2)
            readers[0].cancel() // the first woken reader, before it runs
            readers[1].join()
            readers[2].join()
            assertEquals(setOf(1, 2), got.toSet(), "$q: no reader waits forever, no item is lost")
            assertEquals(2, got.size)
            assertEquals(0, (q as QueueImpl<Int>).waiters)
        }
    }

    @Test
    fun aPutterGrantedTheSlotAndCancelledBeforeItResumesInsertsNothing() = runTest {
        for (q in listOf(AsyncQueue.fifo<Int>(1), AsyncQueue.lifo(1), AsyncQueue.priority<Int>(1))) {
            q.put(1)
            val putter = launch(start = CoroutineStart.UNDISPATCHED) { q.put(2); s.expectUnreached() }
            assertEquals(1, q.get()) // frees the slot: 2 moves in, the putter is resumed
            putter.cancel() // before it runs: 2 is taken back out
            putter.join()
            assertTrue(q.isEmpty, "$q")
            assertEquals(1L, q.unfinishedTasks, "only 1 was ever accepted")
            assertTrue(q.tryPut(3), "the next put finds room")
            assertEquals(3, q.get())
        }
    }

    @Test
    fun taskDoneAndJoin() = runTest {
        val q = AsyncQueue.fifo<Int>()
        q.join() // nothing put: returns at once
        q.put(1)
        q.put(2)
        val joiner = launch { q.join(); s.expect(3) }
        yield()
        q.get(); q.taskDone()
        s.expect(1)
        yield()
        q.get(); q.taskDone()
        s.expect(2)
        joiner.join()
        s.finish(4)
        val e = assertFailsWith<IllegalStateException> { q.taskDone() }
        assertTrue("more times than items" in e.message!! && "0" in e.message!!, e.message)
    }

    @Test
    fun gracefulShutdownDrainsThenThrows() = runTest {
        val q = AsyncQueue.fifo<Int>(2)
        q.put(1)
        q.put(2)
        val putter = async { runCatching { q.put(3) } }
        yield()
        q.shutdown()
        assertTrue(putter.await().exceptionOrNull() is QueueShutdownException)
        assertFailsWith<QueueShutdownException> { q.put(4) }
        assertFailsWith<QueueShutdownException> { q.tryPut(4) }
        assertEquals(1, q.get())
        assertEquals(2, q.get())
        assertFailsWith<QueueShutdownException> { q.get() }
        assertFailsWith<QueueShutdownException> { q.tryGet() }
    }

    @Test
    fun shutdownWakesWaitingGetters() = runTest {
        val q = AsyncQueue.fifo<Int>()
        val getter = async { runCatching { q.get() } }
        yield()
        q.shutdown()
        assertTrue(getter.await().exceptionOrNull() is QueueShutdownException)
    }

    @Test
    fun immediateShutdownDropsItemsAndReleasesJoin() = runTest {
        val q = AsyncQueue.fifo<Int>()
        q.put(1); q.put(2); q.put(3)
        val taken = q.get()
        val joiner = launch { q.join(); s.expect(2) }
        yield()
        q.shutdown(immediate = true)
        assertEquals(0, q.size)
        assertEquals(1L, q.unfinishedTasks) // the item being worked on
        s.expect(1)
        q.taskDone()
        joiner.join()
        s.finish(3)
        assertEquals(1, taken)
    }

    @Test
    fun misuseIsRefusedWithTheBadValue() {
        assertFailsWith<IllegalArgumentException> { AsyncQueue.fifo<Int>(0) }.also { assertTrue("0" in it.message!!) }
        assertFailsWith<IllegalArgumentException> { AsyncQueue.lifo<Int>(-3) }.also { assertTrue("-3" in it.message!!) }
        assertFailsWith<IllegalArgumentException> { AsyncQueue.priority<Int>(-1) }
    }

    @Test
    fun flowViewConsumesAndMarksDone() = runTest {
        val q = AsyncQueue.fifo<Int>(4)
        val collected = async { q.consumeAsFlow().toList() }
        (1..10).forEach { q.put(it) }
        q.join()
        q.shutdown()
        assertEquals((1..10).toList(), collected.await())
        assertEquals(0L, q.unfinishedTasks)
    }
}
