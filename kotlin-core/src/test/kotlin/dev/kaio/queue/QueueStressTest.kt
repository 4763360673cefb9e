package dev.kaio.queue

import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicIntegerArray
import kotlin.random.Random
import kotlin.test.assertEquals
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource

/**
 * 8 producers and 8 consumers move one million items through a queue of capacity 16 on
 * `Dispatchers.Default`, while about one put and one get in eight is run as a child that is cancelled
 * while it waits (sometimes right at a hand-off) and then retried by its caller. Checks: every item
 * is delivered exactly once, `join` returns only when every item is done, and no waiter is left.
 */
internal class QueueStressTest {
    private val items = 1_000_000
    private val producers = 8
    private val consumers = 8

    @ParameterizedTest
    @ValueSource(strings = ["fifo", "fifo with overflow", "lifo", "priority"])
    fun exactlyOnceUnderRandomCancellation(kind: String) = runBlocking(Dispatchers.Default) {
        val queue: AsyncQueue<Int> = when (kind) {
            "fifo" -> AsyncQueue.fifo(16)
            "fifo with overflow" -> QueueImpl.fifo(16, ringLength = 4, spillAt = 8)
            "lifo" -> AsyncQueue.lifo(16)
            else -> AsyncQueue.priority(16)
        }
        val delivered = AtomicIntegerArray(items)
        val done = AtomicInteger()
        val cancelledWaits = AtomicInteger()
        withTimeout(120.seconds) {
            val consumerJobs = List(consumers) { c ->
                launch {
                    val random = Random(c)
                    while (true) {
                        val item = getRetrying(queue, random, cancelledWaits) ?: break
                        check(delivered.incrementAndGet(item) == 1) { "item $item delivered twice" }
                        done.incrementAndGet()
                        queue.taskDone()
                    }
                }
            }
            List(producers) { p ->
                launch {
                    val random = Random(100 + p)
                    for (item in p until items step producers) putRetrying(queue, item, random, cancelledWaits)
                }
            }.joinAll()
            queue.join()
            assertEquals(items, done.get(), "join returned before every item was done")
            queue.shutdown()
            consumerJobs.joinAll()
        }
        for (i in 0 until items) assertEquals(1, delivered.get(i), "item $i")
        assertEquals(0L, queue.unfinishedTasks)
        assertEquals(0, (queue as QueueImpl<Int>).waiters, "waiters left behind")
        check(cancelledWaits.get() > 0) { "the test cancelled no waiting call" }
    }

    /** A get; sometimes as a child cancelled while waiting, then retried. Null once shut down. */
    private suspend fun CoroutineScope.getRetrying(queue: AsyncQueue<Int>, random: Random, cancelled: AtomicInteger): Int? {
        while (true) {
            try {
                if (random.nextInt(8) != 0) return queue.get()
                var got: Int? = null
                var shut = false
                val child = launch(start = CoroutineStart.UNDISPATCHED) {
                    try {
                        got = queue.get()
                    } catch (e: QueueShutdownException) {
                        shut = true
                    }
                }
                if (child.isActive) {
                    if (random.nextBoolean()) yield()
                    child.cancel()
                    cancelled.incrementAndGet()
                }
                child.join()
                if (shut) return null
                got?.let { return it }
            } catch (e: QueueShutdownException) {
                return null
            }
        }
    }

    /** A put; sometimes as a child cancelled while waiting, then retried until the item is in. */
    private suspend fun CoroutineScope.putRetrying(queue: AsyncQueue<Int>, item: Int, random: Random, cancelled: AtomicInteger) {
        while (true) {
            if (random.nextInt(8) != 0) return queue.put(item)
            var inserted = false
            val child = launch(start = CoroutineStart.UNDISPATCHED) {
                queue.put(item)
                inserted = true
            }
            if (child.isActive) {
                if (random.nextBoolean()) yield()
                child.cancel()
                cancelled.incrementAndGet()
            }
            child.join()
            if (inserted) return
        }
    }
}
