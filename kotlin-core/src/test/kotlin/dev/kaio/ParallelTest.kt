package dev.kaio

import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest

class ParallelTest {
    private class Boom(message: String) : RuntimeException(message)

    @Test
    fun `cpuBound runs on Dispatchers Default`() = runBlocking {
        val name = cpuBound { Thread.currentThread().name }
        assertTrue("DefaultDispatcher" in name, name)
    }

    @Test
    fun `parallelMap keeps input order, not finishing order`() = runTest {
        val results = parallelMap(listOf(30, 10, 20), concurrency = 3, context = EmptyCoroutineContext) { d ->
            delay(d.toLong()); "item $d"
        }
        assertEquals(listOf("item 30", "item 10", "item 20"), results)
        assertEquals(30, currentTime)
    }

    @Test
    fun `parallelMap runs at most concurrency calls at once, and that many`() = runTest {
        val inFlight = AtomicInteger()
        val maxInFlight = AtomicInteger()
        val results = parallelMap((1..10).toList(), concurrency = 3, context = EmptyCoroutineContext) { i ->
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), ::maxOf)
            delay(100)
            inFlight.decrementAndGet()
            i * i
        }
        assertEquals((1..10).map { it * it }, results)
        assertEquals(3, maxInFlight.get())
        assertEquals(400, currentTime, "10 items in batches of 3 take 4 rounds")
    }

    @Test
    fun `parallelMap on Default threads respects the bound too`() = runBlocking {
        val inFlight = AtomicInteger()
        val maxInFlight = AtomicInteger()
        val results = parallelMap((1..2_000).toList(), concurrency = 2) { i ->
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), ::maxOf)
            inFlight.decrementAndGet()
            i + 1
        }
        assertEquals((2..2_001).toList(), results)
        assertTrue(maxInFlight.get() <= 2, "max in flight ${maxInFlight.get()}")
    }

    @Test
    fun `the first failure cancels the running calls and starts no more`() = runTest {
        val started = AtomicInteger()
        val cancelled = AtomicInteger()
        val failure = assertFailsWith<Boom> {
            parallelMap((0 until 10).toList(), concurrency = 3, context = EmptyCoroutineContext) { i ->
                started.incrementAndGet()
                if (i == 1) { delay(10); throw Boom("item 1") }
                try { delay(1_000); i } catch (e: CancellationException) { cancelled.incrementAndGet(); throw e }
            }
        }
        assertEquals("item 1", failure.message)
        assertEquals(3, started.get(), "no item was started after the failure")
        assertEquals(2, cancelled.get())
        assertEquals(10, currentTime)
    }

    @Test
    fun `parallelMap rejects a concurrency below one`() = runTest {
        val e = assertFailsWith<IllegalArgumentException> { parallelMap(listOf(1), concurrency = 0) { it } }
        assertEquals("concurrency < 1: 0", e.message)
    }

    @Test
    fun `mapReduce counts words and reports progress once per chunk, in order`() = runBlocking {
        val chunks = List(50) { n -> List(100) { i -> if (i % 2 == 0) "even" else "odd$n" }.joinToString(" ") }
        val seen = mutableListOf<Int>()
        val counts = mapReduce(
            chunks,
            map = { chunk -> chunk.split(' ').groupingBy { it }.eachCount() },
            reduce = { a, b -> (a.keys + b.keys).associateWith { (a[it] ?: 0) + (b[it] ?: 0) } },
            progress = { seen += it },
        )
        assertEquals(2_500, counts["even"])
        assertEquals(50, counts["odd7"])
        assertEquals(51, counts.size)
        assertEquals((1..50).toList(), seen)
    }

    @Test
    fun `mapReduce reduces in chunk order`() = runBlocking {
        val joined = mapReduce((1..20).map { "$it" }, map = { it }, reduce = { a, b -> "$a,$b" }, context = Dispatchers.Default)
        assertEquals((1..20).joinToString(","), joined)
    }

    @Test
    fun `mapReduce reduces as a tree, each result once, chunks minus one calls, in parallel`() = runBlocking {
        val calls = java.util.concurrent.atomic.AtomicInteger()
        val bothReducing = java.util.concurrent.CountDownLatch(2)
        // the first round has two pairs: with two workers they run at the same time
        val total = mapReduce(listOf(1, 2, 3, 4), map = { mutableListOf(it) }, concurrency = 2, reduce = { a, b ->
            if (calls.incrementAndGet() <= 2) {
                bothReducing.countDown()
                check(bothReducing.await(10, java.util.concurrent.TimeUnit.SECONDS)) { "the first two reductions did not overlap" }
            }
            a.apply { addAll(b) }
        })
        assertEquals(listOf(1, 2, 3, 4), total)
        assertEquals(3, calls.get())
        assertEquals("1,2,3,4,5", mapReduce((1..5).map { "$it" }, map = { it }, reduce = { a, b -> "$a,$b" }))
    }

    @Test
    fun `mapReduce of no chunks is a clear error`() = runTest {
        val e = assertFailsWith<IllegalArgumentException> { mapReduce(emptyList<String>(), { it }, { a, _ -> a }) }
        assertEquals("mapReduce needs at least one chunk, got none", e.message)
    }
}
