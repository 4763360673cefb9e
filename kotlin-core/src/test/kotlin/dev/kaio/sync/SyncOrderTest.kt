package dev.kaio.sync

import java.util.concurrent.BrokenBarrierException
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.yield

/**
 * Ordered-execution tests (kotlinx `expect(n)` style) for every suspension point of the sync
 * primitives, and for cancellation at each of them, on the single-threaded test dispatcher.
 */
internal class SyncOrderTest {
    private val s = Steps()

    // ---- Lock ----

    @Test
    fun lockServesWaitersFifo() = runTest {
        val lock = Lock()
        lock.acquire()
        val order = mutableListOf<Int>()
        val jobs = (1..3).map { i -> launch { lock.withLock { order += i; yield() } } }
        yield()
        assertEquals(listOf(), order)
        lock.release()
        jobs.forEach { it.join() }
        assertEquals(listOf(1, 2, 3), order)
        assertFalse(lock.isLocked)
    }

    @Test
    fun lockMisuseThrowsClearly() = runTest {
        val lock = Lock()
        val e1 = assertFailsWith<IllegalStateException> { lock.release() }
        assertTrue("not locked" in e1.message!!, e1.message)
        lock.acquire()
        val e2 = assertFailsWith<IllegalStateException> { lock.acquire() }
        assertTrue("not reentrant" in e2.message!!, e2.message)
        val other = launch { assertFailsWith<IllegalStateException> { lock.release() }.also { assertTrue("held by" in it.message!!) } }
        other.join()
        assertTrue(lock.isLocked)
        lock.release()
    }

    @Test
    fun cancelledAcquireLeavesQueueAndNextWaiterIsServed() = runTest {
        val lock = Lock()
        lock.acquire()
        s.expect(1)
        val a = launch {
            s.expect(2)
            try {
                lock.acquire()
                s.expectUnreached()
            } catch (e: CancellationException) {
                s.expect(4)
                throw e
            }
        }
        val b = launch {
            s.expect(3)
            lock.acquire()
            s.expect(6)
            lock.release()
        }
        yield()
        a.cancel()
        yield()
        s.expect(5)
        lock.release()
        b.join()
        s.finish(7)
        assertFalse(lock.isLocked)
    }

    @Test
    fun holderCancelledInsideWithLockReleases() = runTest {
        val lock = Lock()
        val holder = launch {
            lock.withLock {
                s.expect(1)
                kotlinx.coroutines.awaitCancellation()
            }
        }
        yield()
        assertTrue(lock.isLocked)
        holder.cancel()
        holder.join()
        s.expect(2)
        assertFalse(lock.isLocked)
        s.finish(3)
    }

    @Test
    fun lockHandedToAWaiterCancelledBeforeItResumesGoesToTheNextWaiter() = runTest {
        val lock = Lock()
        lock.acquire()
        val waiter = launch {
            s.expect(1)
            lock.withLock { s.expectUnreached() } // handed the lock, cancelled before running: throws
        }
        val next = launch {
            s.expect(2)
            lock.withLock { s.expect(4) }
        }
        yield()
        lock.release() // hands the lock to `waiter` (resumption queued)
        waiter.cancel() // cancelled before it runs: the lock passes to `next`
        s.expect(3)
        waiter.join()
        next.join()
        s.finish(5)
        assertFalse(lock.isLocked)
    }

    // ---- Semaphore ----

    @Test
    fun semaphoreIsFifoAlsoForMultiplePermits() = runTest {
        val sem = Semaphore(2)
        sem.acquire(2)
        val order = mutableListOf<String>()
        launch { sem.acquire(2); order += "big"; sem.release(2) }
        launch { sem.acquire(1); order += "small"; sem.release(1) }
        yield()
        sem.release(1)
        yield()
        assertEquals(listOf(), order, "the small request must not overtake the big one")
        sem.release(1)
        yield(); yield()
        assertEquals(listOf("big", "small"), order)
        assertEquals(2, sem.availablePermits)
    }

    @Test
    fun semaphoreReleaseBeyondInitialIsAllowedBoundedThrows() = runTest {
        val sem = Semaphore(1)
        sem.release()
        assertEquals(2, sem.availablePermits)
        val bounded = BoundedSemaphore(1)
        val e = assertFailsWith<IllegalStateException> { bounded.release() }
        assertTrue("too many" in e.message!!, e.message)
        assertFailsWith<IllegalArgumentException> { sem.acquire(0) }.also { assertTrue("0" in it.message!!) }
        assertFailsWith<IllegalArgumentException> { Semaphore(-1) }.also { assertTrue("-1" in it.message!!) }
    }

    @Test
    fun cancelledAcquireNeverKeepsAPermit() = runTest {
        val sem = Semaphore(0)
        val a = launch(start = CoroutineStart.UNDISPATCHED) { sem.acquire(); s.expectUnreached() }
        a.cancel()
        a.join()
        sem.release()
        assertEquals(1, sem.availablePermits)
        // permits handed to a waiter cancelled before it resumes go to the next waiter; no block runs
        val b = launch(start = CoroutineStart.UNDISPATCHED) { sem.withPermit(2) { s.expectUnreached() } }
        val c = launch(start = CoroutineStart.UNDISPATCHED) { sem.withPermit(2) { s.expect(2) } }
        sem.release() // 2 free: handed to b
        b.cancel()
        s.expect(1)
        b.join()
        c.join()
        s.finish(3)
        assertEquals(2, sem.availablePermits)
    }

    @Test
    fun cancellingTheHeadWaiterServesTheOnesItHeldBack() = runTest {
        val sem = Semaphore(1)
        val big = launch { sem.acquire(3); s.expectUnreached() }
        yield()
        val small = launch { sem.acquire(1); s.expect(2) }
        yield()
        s.expect(1)
        assertEquals(1, sem.availablePermits, "FIFO: the small request waits behind the big one")
        big.cancel()
        small.join()
        s.finish(3)
        assertEquals(0, sem.availablePermits)
    }

    // ---- Event ----

    @Test
    fun eventWakesAllWaitersAndIsResettable() = runTest {
        val event = Event()
        launch { s.expect(2); event.wait(); s.expect(5) }
        launch { s.expect(3); event.wait(); s.expect(6) }
        s.expect(1)
        yield()
        s.expect(4)
        event.set()
        assertTrue(event.isSet)
        yield()
        event.clear()
        assertFalse(event.isSet)
        val late = launch { event.wait(); s.expectUnreached() }
        yield()
        late.cancel()
        late.join()
        s.finish(7)
    }

    // ---- Condition ----

    @Test
    fun conditionWaitReleasesAndRetakesTheLock() = runTest {
        val cond = Condition()
        var ready = false
        val waiter = launch {
            cond.lock.withLock {
                s.expect(1)
                cond.waitFor { ready }
                s.expect(4)
                assertTrue(cond.lock.holdsLock(coroutineContext[kotlinx.coroutines.Job]!!))
            }
        }
        yield()
        cond.lock.withLock {
            s.expect(2)
            ready = true
            cond.notify()
        }
        s.expect(3)
        waiter.join()
        s.finish(5)
    }

    @Test
    fun cancelledConditionWaitTakesTheLockBackBeforeThrowing() = runTest {
        val cond = Condition()
        val waiter = launch {
            cond.lock.withLock {
                try {
                    cond.wait()
                } catch (e: CancellationException) {
                    s.expect(3)
                    assertTrue(cond.lock.holdsLock(coroutineContext[kotlinx.coroutines.Job]!!))
                    throw e
                }
            }
        }
        yield()
        cond.lock.acquire() // the waiter released it
        s.expect(1)
        waiter.cancel()
        yield()
        s.expect(2) // the waiter waits for the lock, not cancellable
        cond.lock.release()
        waiter.join()
        s.finish(4)
        assertFalse(cond.lock.isLocked)
    }

    @Test
    fun conditionMisuseThrows() = runTest {
        val cond = Condition()
        assertFailsWith<IllegalStateException> { cond.wait() }
        assertFailsWith<IllegalStateException> { cond.notify() }
    }

    // ---- Barrier ----

    @Test
    fun barrierReturnsArrivalIndexesAndIsCyclic() = runTest {
        val barrier = Barrier(3)
        repeat(2) {
            val results = (0 until 3).map { i -> async { barrier.wait() } }
            assertEquals(listOf(0, 1, 2), results.map { it.await() })
        }
    }

    @Test
    fun abortAndResetBreakWaiters() = runTest {
        val barrier = Barrier(3)
        val w = launch { assertFailsWith<BrokenBarrierException> { barrier.wait() }; s.expect(2) }
        yield()
        s.expect(1)
        barrier.abort()
        w.join()
        assertTrue(barrier.isBroken)
        assertFailsWith<BrokenBarrierException> { barrier.wait() }
        barrier.reset()
        assertFalse(barrier.isBroken)
        val w2 = launch { assertFailsWith<BrokenBarrierException> { barrier.wait() }; s.expect(3) }
        yield()
        barrier.reset()
        w2.join()
        s.finish(4)
    }

    @Test
    fun cancelledBarrierWaiterLeavesTheRound() = runTest {
        val barrier = Barrier(2)
        val a = launch { barrier.wait(); s.expectUnreached() }
        yield()
        assertEquals(1, barrier.waiting)
        a.cancel()
        a.join()
        assertEquals(0, barrier.waiting)
        val b = async { barrier.wait() }
        yield()
        assertEquals(1, barrier.wait())
        assertEquals(0, b.await())
    }
}
