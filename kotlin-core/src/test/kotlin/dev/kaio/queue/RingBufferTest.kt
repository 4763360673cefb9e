package dev.kaio.queue

import kotlin.random.Random
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest

/**
 * The fifo queue's ring (RingBuffer.kt) against a plain deque: random sequences of the monitor's
 * operations (add, remove, put back at the head, take out of the middle, clear) and of the
 * lock-free put and get, over rings of 1, 2 and 4 cells so that positions wrap and items overflow;
 * and the task count's spill out of the queue's word (QueueState.kt).
 */
internal class RingBufferTest {
    /** Items compared by identity, as the ring's removeSame compares them. */
    private class Item(val n: Int) {
        override fun toString() = "#$n"
    }

    @Test
    fun ringMatchesADequeUnderRandomOperations() {
        for (length in listOf(1, 2, 4)) for (capacity in listOf(1, 3, AsyncQueue.UNBOUNDED)) for (seed in 0 until 40) {
            val state = QueueState()
            val ring = RingBuffer<Item>(capacity, state, length)
            val model = ArrayDeque<Item>()
            val random = Random(seed)
            var next = 0
            val fastLimit = minOf(capacity, length)
            state.enterSlow()
            repeat(300) { step ->
                val where = "length $length, capacity $capacity, seed $seed, step $step"
                when (random.nextInt(7)) {
                    0 -> Item(next++).let { ring.add(it); model.addLast(it) }
                    1 -> if (model.isNotEmpty()) assertEquals(model.removeFirst(), ring.remove(), where)
                    2 -> Item(next++).let { ring.addFront(it); model.addFirst(it) }
                    3 -> if (model.isNotEmpty()) {
                        val it = model[random.nextInt(model.size)]
                        model.remove(it)
                        assertTrue(ring.removeSame(it), where)
                    }
                    4 -> assertFalse(ring.removeSame(Item(-1)), where)
                    5 -> if (ring.overflowIsEmpty) {
                        state.leaveSlow()
                        val item = Item(next++)
                        val added = ring.tryAddFast(item)
                        assertEquals(model.size < fastLimit, added, where)
                        if (added) model.addLast(item)
                        state.enterSlow()
                    }
                    6 -> if (ring.overflowIsEmpty) {
                        state.leaveSlow()
                        assertEquals(model.firstOrNull(), ring.tryTakeFast(), where)
                        if (model.isNotEmpty()) model.removeFirst()
                        state.enterSlow()
                    }
                }
                assertEquals(model.size, ring.size, where)
            }
            assertEquals(model.size, ring.clear())
            assertEquals(0, ring.size)
            Item(next).let { ring.add(it); assertEquals(it, ring.remove(), "usable after clear") }
        }
    }

    @Test
    fun lockFreePathsStayShutWhileSlow() {
        val state = QueueState()
        val ring = RingBuffer<Item>(4, state)
        assertFalse(ring.tryAddFast(Item(1)), "a new state word is slow until its queue opens it")
        state.leaveSlow()
        assertTrue(ring.tryAddFast(Item(1)))
        state.enterSlow()
        assertNull(ring.tryTakeFast())
        assertEquals(1, ring.size)
        assertEquals(1L, countOf(state.word.get()), "a lock-free put counts its task in the same step")
    }

    @Test
    fun countSpillsOutOfTheWordAndComesBack() = runTest {
        val q = QueueImpl.fifo<Int>(AsyncQueue.UNBOUNDED, spillAt = 8)
        repeat(50) { q.put(it) }
        assertEquals(50L, q.unfinishedTasks)
        assertFalse(q.lockFreeOpen, "a spilled count keeps the monitor in charge")
        assertEquals(List(50) { it }, List(50) { q.get() })
        val join = async { q.join() }
        repeat(49) { q.taskDone() }
        runCurrent()
        assertFalse(join.isCompleted)
        assertEquals(1L, q.unfinishedTasks)
        q.taskDone()
        runCurrent()
        assertTrue(join.isCompleted)
        assertFailsWith<IllegalStateException> { q.taskDone() }
        q.put(1)
        assertTrue(q.lockFreeOpen, "the lock-free paths open again once the count is back in the word")
    }

    @Test
    fun lockFreePathsReopenAfterWaitersAreServed() = runTest {
        val q = QueueImpl.fifo<Int>(1)
        assertTrue(q.lockFreeOpen)
        val getter = async { q.get() }
        runCurrent()
        assertFalse(q.lockFreeOpen, "a waiting consumer closes them, so that no put passes it")
        q.put(1)
        assertEquals(1, getter.await())
        assertTrue(q.lockFreeOpen)
        q.put(2)
        launch { q.put(3) }
        runCurrent()
        assertFalse(q.lockFreeOpen, "a waiting producer closes them, so that no get passes it")
        assertEquals(2, q.get())
        assertTrue(q.lockFreeOpen)
        assertEquals(3, q.get())
        q.shutdown()
        assertFalse(q.lockFreeOpen, "shutdown closes them for good")
    }
}
