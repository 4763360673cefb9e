package dev.kaio.java.sync

import dev.kaio.interop.runAsLoop
import dev.kaio.queue.QueueShutdownException
import java.util.concurrent.BrokenBarrierException
import java.util.stream.Stream
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.yield
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.MethodSource

/**
 * One behavioural suite, run against the Kotlin API and the Java facade (JUnit parameterized).
 * Everything runs on virtual time inside `runTest { runAsLoop { … } }`, so the facade's tasks run
 * on the test dispatcher and every interleaving is deterministic.
 */
class SyncScenarioTest {
    companion object {
        @JvmStatic
        fun apis(): Stream<SyncApi> = Stream.of(KotlinSyncApi, JavaSyncApi)
    }

    private fun scenario(body: suspend CoroutineScope.() -> Unit) = runTest { runAsLoop { body() } }

    /** Lets every queued task run (the facade adds a hop or two per call). */
    private suspend fun settle() = repeat(10) { yield() }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apis")
    fun lockIsFifoAndChecksItsHolder(api: SyncApi) = scenario {
        val lock = api.lock()
        val first = lock.acquire()
        val order = mutableListOf<Int>()
        val jobs = (1..3).map { i -> launch { val h = lock.acquire(); order += i; lock.release(h) } }
        settle()
        assertNull(lock.tryAcquire())
        lock.release(first) // hands the lock to waiter 1
        assertFailsWith<IllegalStateException>("release by a non-holder") { lock.release(first) }
        jobs.forEach { it.join() }
        assertFailsWith<IllegalStateException>("release of an unlocked lock") { lock.release(first) }
        assertEquals(listOf(1, 2, 3), order)
        assertFalse(lock.isLocked)
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apis")
    fun cancelledAcquireIsWithdrawnAndHolderCancelledInWithLockReleases(api: SyncApi) = scenario {
        val lock = api.lock()
        val h = lock.acquire()
        val waiter = launch { lock.acquire(); error("must not get the lock") }
        settle()
        waiter.cancel()
        waiter.join()
        lock.release(h)
        assertFalse(lock.isLocked, "a cancelled acquire never keeps the lock")
        val holder = launch { lock.withLock { kotlinx.coroutines.awaitCancellation() } }
        settle()
        assertTrue(lock.isLocked)
        holder.cancel()
        holder.join()
        settle()
        assertFalse(lock.isLocked, "a holder cancelled inside withLock releases the lock")
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apis")
    fun semaphoreFifoBoundedAndCancelSafe(api: SyncApi) = scenario {
        val sem = api.semaphore(2)
        sem.acquire(2)
        val order = mutableListOf<String>()
        launch { sem.acquire(2); order += "big"; sem.release(2) }
        settle()
        launch { sem.acquire(1); order += "small"; sem.release(1) }
        settle()
        assertFalse(sem.tryAcquire())
        sem.release(1)
        settle()
        assertEquals(listOf(), order)
        sem.release(1)
        settle()
        assertEquals(listOf("big", "small"), order)
        val cancelled = launch { sem.acquire(3) }
        settle()
        cancelled.cancel()
        cancelled.join()
        assertEquals(2, sem.available, "a cancelled acquire never keeps a permit")
        sem.release(5)
        assertEquals(7, sem.available)
        val bounded = api.semaphore(1, bounded = true)
        assertFailsWith<IllegalStateException> { bounded.release() }
        assertFailsWith<IllegalArgumentException> { sem.acquire(0) }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apis")
    fun eventIsResettable(api: SyncApi) = scenario {
        val event = api.event()
        val waiters = List(2) { async { event.await(); "woken" } }
        settle()
        assertFalse(waiters.any { it.isCompleted })
        event.set()
        assertEquals(listOf("woken", "woken"), waiters.map { it.await() })
        event.await()
        event.clear()
        assertFalse(event.isSet)
        val late = launch { event.await() }
        settle()
        assertTrue(late.isActive)
        late.cancel()
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apis")
    fun conditionNotifiesInOrderAndRequiresTheLock(api: SyncApi) = scenario {
        val cond = api.condition()
        var items = 0
        val order = mutableListOf<Int>()
        val consumers = (1..2).map { i ->
            launch {
                val h = cond.lock.acquire()
                cond.awaitUntil(h) { items > 0 }
                items--
                order += i
                cond.lock.release(h)
            }
        }
        settle()
        val h = cond.lock.acquire()
        items = 2
        cond.signal(h, 1)
        cond.lock.release(h)
        settle()
        assertEquals(listOf(1), order)
        val h2 = cond.lock.acquire()
        cond.signalAll(h2)
        cond.lock.release(h2)
        consumers.forEach { it.join() }
        assertEquals(listOf(1, 2), order)
        assertFailsWith<IllegalStateException> { cond.signal(h2) }
        assertFailsWith<IllegalStateException> { cond.await(h2) }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apis")
    fun barrierIndexesAbortAndReset(api: SyncApi) = scenario {
        val barrier = api.barrier(3)
        val round = List(3) { async { barrier.await() } }
        assertEquals(listOf(0, 1, 2), round.map { it.await() })
        val broken = async { runCatching { barrier.await() } }
        settle()
        assertEquals(1, barrier.waiting)
        barrier.abort()
        assertTrue(broken.await().exceptionOrNull() is BrokenBarrierException)
        assertTrue(barrier.isBroken)
        assertFailsWith<BrokenBarrierException> { barrier.await() }
        barrier.reset()
        val reset = async { runCatching { barrier.await() } }
        settle()
        barrier.reset()
        assertTrue(reset.await().exceptionOrNull() is BrokenBarrierException)
        val leaving = launch { barrier.await() }
        settle()
        leaving.cancel()
        leaving.join()
        settle()
        assertEquals(0, barrier.waiting, "a cancelled wait leaves the round")
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apis")
    fun queueOrders(api: SyncApi) = scenario {
        for ((kind, expected) in listOf("fifo" to listOf(2, 1, 3), "lifo" to listOf(3, 1, 2), "priority" to listOf(1, 2, 3))) {
            val q = api.queue(kind)
            listOf(2, 1, 3).forEach { q.put(it) }
            assertEquals(expected, List(3) { q.get() }, kind)
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apis")
    fun queueWaitsAndNothingIsLostOnCancellation(api: SyncApi) = scenario {
        val q = api.queue("fifo", 1)
        assertEquals(1, q.capacity)
        val getter = launch { q.get(); error("cancelled get must not return") }
        settle()
        getter.cancel()
        getter.join()
        q.put(1)
        assertTrue(q.isFull)
        assertFalse(q.tryPut(2))
        val putter = launch { q.put(2); error("cancelled put must not return") }
        settle()
        putter.cancel()
        putter.join()
        assertEquals(1, q.size)
        val waitingPut = launch(start = CoroutineStart.UNDISPATCHED) { q.put(3) }
        settle()
        assertEquals(1, q.get())
        waitingPut.join()
        assertEquals(3, q.get(), "the cancelled put of 2 inserted nothing")
        assertNull(q.tryGet())
        assertTrue(q.isEmpty)
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apis")
    fun queueTaskDoneJoinAndMisuse(api: SyncApi) = scenario {
        val q = api.queue("fifo")
        q.join()
        q.put(1)
        q.put(2)
        val joined = async { q.join(); "joined" }
        settle()
        q.get(); q.taskDone()
        settle()
        assertFalse(joined.isCompleted)
        q.get(); q.taskDone()
        assertEquals("joined", joined.await())
        assertFailsWith<IllegalStateException> { q.taskDone() }
        assertFailsWith<IllegalArgumentException> { api.queue("fifo", 0) }
        assertFailsWith<IllegalArgumentException> { api.queue("priority", -5) }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apis")
    fun queueShutdownGracefulAndImmediate(api: SyncApi) = scenario {
        val q = api.queue("fifo", 2)
        q.put(1); q.put(2)
        val blockedPut = async { runCatching { q.put(3) } }
        settle()
        q.shutdown()
        assertTrue(blockedPut.await().exceptionOrNull() is QueueShutdownException)
        assertFailsWith<QueueShutdownException> { q.put(4) }
        assertEquals(1, q.get())
        assertEquals(2, q.get())
        assertFailsWith<QueueShutdownException> { q.get() }

        val q2 = api.queue("lifo")
        q2.put(1); q2.put(2)
        val joined = async { q2.join(); "joined" }
        settle()
        q2.shutdown(immediate = true)
        assertEquals("joined", joined.await())
        assertEquals(0, q2.size)
        val waitingGet = async { runCatching { q2.get() } }
        assertTrue(waitingGet.await().exceptionOrNull() is QueueShutdownException)
    }
}
