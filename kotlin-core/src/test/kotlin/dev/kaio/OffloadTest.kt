package dev.kaio

import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.runInterruptible
import kotlinx.coroutines.withTimeout

/** `toThread` and `runIn` on real threads, synchronised by latches. */
class OffloadTest {
    private class Boom(message: String) : Exception(message)

    private fun <T> realTime(block: suspend kotlinx.coroutines.CoroutineScope.() -> T): T =
        runBlocking { withTimeout(10.seconds) { block() } }

    @Test
    fun `toThread runs the block on another thread and returns its value`() = realTime {
        val caller = Thread.currentThread()
        val worker = toThread { Thread.currentThread() }
        assertNotEquals(caller, worker)
    }

    @Test
    fun `toThread rethrows the block's exception as is, checked ones included`() = realTime {
        val failure = assertFailsWith<Boom> { toThread { throw Boom("disk on fire") } }
        assertEquals("disk on fire", failure.message)
    }

    @Test
    fun `cancelling toThread interrupts the blocking call`() = realTime {
        val started = CountDownLatch(1)
        val interrupted = AtomicBoolean()
        val task = launch(start = CoroutineStart.UNDISPATCHED) {
            toThread {
                started.countDown()
                try {
                    Thread.sleep(60_000)
                } catch (e: InterruptedException) {
                    interrupted.set(true)
                    throw e
                }
            }
        }
        runInterruptible { started.await() }
        task.cancelAndJoin()
        assertTrue(interrupted.get(), "the sleeping thread was interrupted")
        assertTrue(task.isCancelled)
    }

    @Test
    fun `the interrupt does not leak to the pool thread after the block`() = realTime {
        val started = CountDownLatch(1)
        val task = launch(start = CoroutineStart.UNDISPATCHED) { toThread { started.countDown(); Thread.sleep(60_000) } }
        runInterruptible { started.await() }
        task.cancelAndJoin()
        repeat(64) { assertFalse(toThread { Thread.currentThread().isInterrupted }) }
    }

    @Test
    fun `runIn runs on the caller's executor, and cancelling interrupts its thread`() = realTime {
        val pool = Executors.newSingleThreadExecutor { Thread(it, "callers-pool") }
        try {
            assertTrue(runIn(pool) { Thread.currentThread().name }.startsWith("callers-pool"))
            val started = CountDownLatch(1)
            val interrupted = AtomicBoolean()
            val task = async(start = CoroutineStart.UNDISPATCHED) {
                runIn(pool) {
                    started.countDown()
                    try { Thread.sleep(60_000) } catch (e: InterruptedException) { interrupted.set(true); throw e }
                }
            }
            runInterruptible { started.await() }
            task.cancelAndJoin()
            assertTrue(interrupted.get())
            assertEquals("after", runIn(pool) { "after" }, "the executor's thread is usable again")
        } finally {
            pool.shutdownNow()
            pool.awaitTermination(10, TimeUnit.SECONDS)
        }
    }

    @Test
    fun `runIn cancelled before the executor starts the block never runs it`() = realTime {
        val pool = Executors.newSingleThreadExecutor()
        val gate = CountDownLatch(1)
        val ran = AtomicBoolean()
        try {
            pool.execute { gate.await() } // occupies the only thread
            val task = launch(start = CoroutineStart.UNDISPATCHED) { runIn(pool) { ran.set(true) } }
            task.cancel()
            gate.countDown()
            task.join()
            runIn(pool) { } // everything queued before this has run
            assertFalse(ran.get())
            assertTrue(task.isCancelled)
        } finally {
            pool.shutdownNow()
        }
    }

    @Test
    fun `a rejecting executor cancels the caller without running the block`() = realTime {
        val pool = Executors.newSingleThreadExecutor().also { it.shutdown() }
        val ran = AtomicBoolean()
        val task: Job = launch { runIn(pool) { ran.set(true) } }
        task.join()
        assertTrue(task.isCancelled)
        assertFalse(ran.get())
    }
}
