package dev.kaio.sync

import dev.kaio.resilience.RateLimiter
import dev.kaio.shield
import dev.kaio.timeout
import java.util.concurrent.BrokenBarrierException
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield

/**
 * A waiter handed what it waited for and cancelled before it resumes throws and takes nothing:
 * what it was given goes to the next waiter (asyncio's rule, kotlinx's prompt cancellation). And a
 * lock's ownership follows the task into its nested scopes.
 */
internal class HandOffCancelTest {
    private val s = Steps()

    @Test
    fun readWriteLockHoldHandedToACancelledWaiterAdmitsTheNext() = runTest {
        val rw = ReadWriteLock()
        rw.acquireWrite()
        val writer = launch(start = CoroutineStart.UNDISPATCHED) { rw.withWriteLock { s.expectUnreached() } }
        val reader = launch(start = CoroutineStart.UNDISPATCHED) { rw.withReadLock { s.expect(2) } }
        rw.releaseWrite() // hands the write hold to `writer`
        writer.cancel()
        s.expect(1)
        reader.join()
        s.finish(3)
        assertEquals(0, rw.readers)
        assertFalse(rw.isWriteLocked)
    }

    @Test
    fun aNotificationTakenByACancelledWaiterGoesToTheNext() = runTest {
        val cond = Condition()
        val first = launch(start = CoroutineStart.UNDISPATCHED) {
            cond.lock.withLock {
                assertFailsWith<kotlinx.coroutines.CancellationException> { cond.wait() }
                assertTrue(cond.lock.holdsLock(coroutineContext[kotlinx.coroutines.Job]!!), "held again when it throws")
                s.expect(2)
            }
        }
        val second = launch(start = CoroutineStart.UNDISPATCHED) { cond.lock.withLock { cond.wait(); s.expect(3) } }
        cond.lock.withLock { cond.notify(1) } // handed to `first`
        first.cancel() // before it resumes: the notification passes to `second`
        s.expect(1)
        first.join()
        second.join()
        s.finish(4)
        assertFalse(cond.lock.isLocked)
    }

    @Test
    fun lockOwnershipFollowsTheTaskIntoTimeoutCoroutineScopeWithContextAndShield() = runTest {
        val cond = Condition()
        val seen = mutableListOf<String>()
        val waiter = launch {
            cond.lock.withLock {
                timeout(10.seconds) { cond.wait(); seen += "timeout" }
                coroutineScope { cond.wait(); seen += "coroutineScope" }
                withContext(Dispatchers.Unconfined) { cond.wait(); seen += "withContext" }
                shield { cond.wait(); seen += "shield" }
            }
        }
        repeat(4) {
            yield(); yield()
            cond.lock.withLock { cond.notify() }
        }
        waiter.join()
        assertEquals(listOf("timeout", "coroutineScope", "withContext", "shield"), seen)
        assertFalse(cond.lock.isLocked)
    }

    @Test
    fun aTimeoutAroundAConditionWaitFiresHoldingTheLock() = runTest {
        val cond = Condition()
        val result = async {
            cond.lock.withLock {
                runCatching { timeout(1.seconds) { cond.wait() } }.exceptionOrNull()?.javaClass?.simpleName +
                    " held=" + cond.lock.isLocked
            }
        }
        assertEquals("DeadlineExceededException held=true", result.await())
        assertFalse(cond.lock.isLocked)
    }

    @Test
    fun waitForATruePredicateWithoutTheLockReturnsAFalseOneThrows() = runTest {
        val cond = Condition()
        cond.waitFor { true }
        assertFailsWith<IllegalStateException> { cond.waitFor { false } }
    }

    @Test
    fun barrierResetRightAfterATripLeavesTheNextRoundWhole() = runTest {
        val barrier = Barrier(2)
        val round1 = List(2) { async(start = CoroutineStart.UNDISPATCHED) { barrier.wait() } }
        barrier.reset() // right after the round tripped, before its waiters resumed
        assertEquals(setOf(0, 1), round1.map { it.await() }.toSet(), "a tripped round stays passed")
        val round2 = List(2) { async { barrier.wait() } }
        assertEquals(setOf(0, 1), round2.map { it.await() }.toSet(), "nobody of the next round waits forever")
        assertFalse(barrier.isBroken)
        // filling, then reset: the waiters are broken, the barrier is usable again
        val filling = async(start = CoroutineStart.UNDISPATCHED) { runCatching { barrier.wait() } }
        barrier.reset()
        assertTrue(filling.await().exceptionOrNull() is BrokenBarrierException)
        val round3 = List(2) { async { barrier.wait() } }
        assertEquals(setOf(0, 1), round3.map { it.await() }.toSet())
    }

    @Test
    fun eventSetThenCancelledWaiterThrowsOthersWake() = runTest {
        val event = Event()
        val cancelled = launch(start = CoroutineStart.UNDISPATCHED) { event.wait(); s.expectUnreached() }
        val other = launch(start = CoroutineStart.UNDISPATCHED) { event.wait(); s.expect(2) }
        event.set()
        cancelled.cancel()
        s.expect(1)
        other.join()
        assertTrue(cancelled.isCancelled)
        s.finish(3)
    }

    @Test
    fun rateLimiterTokenDueToACancelledHeadGoesToTheNext() = runTest {
        val limiter = RateLimiter { permits = 1; period = 1.seconds; burst = 1 }
        limiter.acquire() // the bucket is empty now
        val head = launch(start = CoroutineStart.UNDISPATCHED) { limiter.call { s.expectUnreached() } }
        val next = launch(start = CoroutineStart.UNDISPATCHED) { limiter.call { s.expect(2) } }
        kotlinx.coroutines.delay(1.seconds) // the head's token is due; its delay resumes it
        head.cancel()
        s.expect(1)
        next.join()
        s.finish(3)
        assertFalse(limiter.tryAcquire(), "the one token went to `next`")
    }
}
