package dev.kaio

import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.random.Random
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Delay
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield

/**
 * [TimerSet] on a real scheduled thread (a single-thread executor's dispatcher, which is a
 * kotlinx `Delay`), counting how often it arms that thread's timer; then timeouts in `EventLoop`s
 * and on `Dispatchers.Default`, which use one.
 */
@OptIn(InternalCoroutinesApi::class)
internal class TimerSetTest {
    private val executor = Executors.newSingleThreadScheduledExecutor { Thread(it, "timer-thread").apply { isDaemon = true } }
    private val counting = CountingDelay(executor.asCoroutineDispatcher() as Delay)
    private val timers = TimerSet(counting)

    @AfterTest
    fun stopTimerThread() {
        executor.shutdownNow()
    }

    @Test
    fun deadlinesLaterThanTheArmedOneArmNoOtherTimer() {
        repeat(1_000) { timers.schedule(10_000, Runnable { error("never due") }).dispose() }
        assertEquals(1, counting.armed.get(), "only the first deadline armed the timer thread")
        assertEquals(0, timers.pendingCount)
    }

    @Test
    fun anEarlierDeadlineRearmsAndTheNextOneIsArmedWhenItFires() {
        val late = timers.schedule(10_000, Runnable { error("disposed before it was due") })
        val middle = timers.schedule(5_000, Runnable { error("disposed before it was due") })
        assertEquals(2, counting.armed.get())
        val fired = CountDownLatch(1)
        val firedOn = arrayOfNulls<String>(1)
        timers.schedule(1, Runnable {
            firedOn[0] = Thread.currentThread().name
            fired.countDown()
        })
        assertEquals(3, counting.armed.get())
        assertTrue(fired.await(30, TimeUnit.SECONDS))
        assertEquals("timer-thread", firedOn[0], "a deadline fires on the dispatcher's timer thread")
        assertEquals(4, counting.armed.get(), "the 5 s deadline is armed once the 1 ms one has fired")
        assertEquals(2, timers.pendingCount)
        middle.dispose()
        late.dispose()
        assertEquals(0, timers.pendingCount)
    }

    @Test
    fun zeroDelaysFireAtOnceInTheOrderTheyCameIn() {
        val order = mutableListOf<Int>()
        val done = CountDownLatch(1)
        repeat(5) { i -> timers.schedule(0, Runnable { synchronized(order) { order += i } }) }
        timers.schedule(0, Runnable { done.countDown() })
        assertTrue(done.await(30, TimeUnit.SECONDS))
        assertEquals(listOf(0, 1, 2, 3, 4), synchronized(order) { order.toList() })
    }

    @Test
    fun aDeadlineDisposedBeforeItsTimerRunsNeverFiresAndAStaleWakeupFiresNothingTwice() {
        val manual = ManualDelay()
        val timers = TimerSet(manual)
        timers.schedule(0, Runnable { error("disposed before the timer ran") }).dispose()
        var fired = 0
        timers.schedule(0, Runnable { fired++ })
        assertEquals(1, manual.armed.size, "the second deadline is not earlier than the armed one")
        manual.armed.single().run()
        assertEquals(1, fired)
        manual.armed.single().run() // the same wakeup again: nothing is due any more
        assertEquals(1, fired)
        assertEquals(0, timers.pendingCount)
    }

    @Test
    fun aFailingActionDoesNotKeepTheOthersThatAreDueFromRunning() {
        val manual = ManualDelay()
        val timers = TimerSet(manual)
        var ran = 0
        timers.schedule(0, Runnable { error("this deadline's action fails") })
        timers.schedule(0, Runnable { ran++ })
        manual.armed.single().run()
        assertEquals(1, ran)
    }

    @Test
    fun afterCloseTheArmedTimerIsGoneAndDeadlinesGoToTheDispatcher() {
        timers.schedule(10_000, Runnable { error("never due") })
        timers.close()
        assertEquals(1, counting.disposed.get(), "closing disarms the timer thread")
        val fired = CountDownLatch(1)
        timers.schedule(1, Runnable { fired.countDown() })
        assertEquals(2, counting.armed.get(), "the dispatcher's own timer")
        assertTrue(fired.await(30, TimeUnit.SECONDS))
    }

    @Test
    fun anInfiniteDelayIsLeftToTheDispatcher() {
        timers.schedule(Long.MAX_VALUE, Runnable { error("never due") }).dispose()
        assertEquals(0, timers.pendingCount)
        assertEquals(1, counting.armed.get())
    }

    /**
     * Four threads schedule 5,000 deadlines each, 0 to 3 ms away, and try to dispose every other one
     * at once (a deadline may have fired by then). Every deadline fires exactly once or is disposed;
     * none is left behind. (A dispose that races with the firing of a deadline already due may let
     * it run, as with kotlinx's own timers; the test above shows that a dispose before that wins.)
     */
    @Test
    fun underConcurrentUseEveryDeadlineFiresOnceOrNotAtAll() {
        val perThread = 5_000
        val states = Array(4) { Array(perThread) { AtomicInteger(WAITING) } }
        val firedTwice = AtomicInteger()
        val threads = states.mapIndexed { t, mine ->
            Thread {
                val random = Random(t)
                mine.forEachIndexed { i, state ->
                    val handle = timers.schedule(random.nextLong(4), Runnable {
                        if (state.compareAndExchange(WAITING, FIRED) == FIRED) firedTwice.incrementAndGet()
                    })
                    if (i % 2 == 0 && state.compareAndSet(WAITING, DISPOSING)) {
                        handle.dispose()
                        state.set(DISPOSED)
                    }
                }
            }.apply { start() }
        }
        threads.forEach { it.join() }
        // Due after every deadline above; deadlines fire in order, on one timer thread.
        val last = CountDownLatch(1)
        timers.schedule(10, Runnable { last.countDown() })
        assertTrue(last.await(30, TimeUnit.SECONDS))
        val all = states.flatten().map { it.get() }
        assertEquals(0, firedTwice.get())
        assertEquals(0, all.count { it == WAITING || it == DISPOSING }, "every deadline fired or was disposed")
        assertTrue(states.all { mine -> mine.filterIndexed { i, _ -> i % 2 == 1 }.all { it.get() == FIRED } }, "the odd ones all fired")
        val disposed = all.count { it == DISPOSED }
        assertTrue(disposed > perThread, "most even ones were disposed before they were due: $disposed")
        assertEquals(0, timers.pendingCount)
    }

    @Test
    fun timeoutsInALoopTaskUseTheLoopsTimers() {
        val sum = EventLoop.run {
            val loopTimers = assertNotNull(LoopBinding.onThisThread()?.timers)
            var sum = 0
            repeat(1_000) { i ->
                sum += timeout(10.seconds) {
                    assertEquals(1, loopTimers.pendingCount)
                    yield()
                    i
                }
            }
            assertEquals(0, loopTimers.pendingCount)
            // Earlier than the armed 10 s timer: re-armed, and it fires.
            assertFailsWith<DeadlineExceededException> { timeout(20.milliseconds) { awaitCancellation() } }
            sum
        }
        assertEquals(999 * 1_000 / 2, sum)
    }

    @Test
    fun aRescheduledDeadlineInALoopTaskMovesInTheLoopsTimers() {
        val kept = EventLoop.run {
            val loopTimers = assertNotNull(LoopBinding.onThisThread()?.timers)
            assertFailsWith<DeadlineExceededException> {
                timeout(10.seconds) { deadline ->
                    deadline.rescheduleAfter(20.milliseconds) // earlier than the armed 10 s: re-armed
                    assertEquals(1, loopTimers.pendingCount)
                    awaitCancellation()
                }
            }
            timeout(10.seconds) { deadline ->
                deadline.reschedule(null)
                assertEquals(0, loopTimers.pendingCount, "no deadline, nothing waits")
                yield()
                "kept"
            }
        }
        assertEquals("kept", kept)
    }

    @Test
    fun aLoopTaskThatNeverSuspendsStillSeesItsDeadline() {
        // The deadline fires on the timer thread while the loop's thread is busy.
        assertFailsWith<DeadlineExceededException> {
            EventLoop.run { timeout(20.milliseconds) { while (true) coroutineContext.ensureActive() } }
        }
    }

    @Test
    fun timeoutsFireInADebugLoop() {
        assertFailsWith<DeadlineExceededException> {
            EventLoop.run(debug = true) {
                assertNotNull(LoopBinding.onThisThread()?.timers)
                timeout(20.milliseconds) { awaitCancellation() }
            }
        }
    }

    @Test
    fun theTimerThreadEndsWhenNoTimerIsArmedAndStartsAgainWhenOneIs() {
        val name = "idle-timer-${System.nanoTime()}"
        val timers = TimerSet(TimerSet.timerThread(name, idleTimeoutMillis = 10))
        fun threadAlive() = Thread.getAllStackTraces().keys.any { it.name == name && it.isAlive }
        repeat(2) { round ->
            val fired = CountDownLatch(1)
            timers.schedule(1, Runnable { fired.countDown() })
            assertTrue(fired.await(30, TimeUnit.SECONDS), "round $round")
            // Nothing is armed now: the thread ends after 10 ms idle (bounded wait, not a sleep).
            val bound = System.nanoTime() + 30_000_000_000
            while (threadAlive()) {
                check(System.nanoTime() < bound) { "the idle timer thread did not end" }
                Thread.onSpinWait()
            }
        }
    }

    @Test
    fun timeoutsOnADispatcherWithoutATimerUseTheSharedSet(): Unit = runBlocking(Dispatchers.Default) {
        assertNull(coroutineContext[ContinuationInterceptor] as? Delay, "Dispatchers.Default cannot schedule")
        val value = timeout(10.seconds) {
            // At least this one (another test's timeout may still be running).
            assertTrue(TimerSet.shared.pendingCount >= 1)
            yield()
            "in time"
        }
        assertEquals("in time", value)
        val firedOn = CompletableDeferred<String>()
        assertFailsWith<DeadlineExceededException> {
            timeout(20.milliseconds) {
                try {
                    awaitCancellation()
                } finally {
                    firedOn.complete(Thread.currentThread().name)
                }
            }
        }
        assertTrue(firedOn.await().startsWith("DefaultDispatcher"), "the block goes on on its own dispatcher: ${firedOn.await()}")
        assertFailsWith<DeadlineExceededException> { timeout(20.milliseconds) { while (true) coroutineContext.ensureActive() } }
        Unit
    }

    /** A dispatcher's timer that never runs anything itself: the test runs what was armed. */
    private class ManualDelay : Delay {
        val armed = mutableListOf<Runnable>()

        override fun scheduleResumeAfterDelay(timeMillis: Long, continuation: CancellableContinuation<Unit>) =
            throw UnsupportedOperationException()

        override fun invokeOnTimeout(timeMillis: Long, block: Runnable, context: CoroutineContext): DisposableHandle {
            armed += block
            return DisposableHandle { armed -= block }
        }
    }

    /** A dispatcher's timer that counts how often it is armed and disarmed. */
    private class CountingDelay(private val inner: Delay) : Delay {
        val armed = AtomicInteger()
        val disposed = AtomicInteger()

        override fun scheduleResumeAfterDelay(timeMillis: Long, continuation: CancellableContinuation<Unit>) =
            inner.scheduleResumeAfterDelay(timeMillis, continuation)

        override fun invokeOnTimeout(timeMillis: Long, block: Runnable, context: CoroutineContext): DisposableHandle {
            armed.incrementAndGet()
            val handle = inner.invokeOnTimeout(timeMillis, block, context)
            return DisposableHandle {
                disposed.incrementAndGet()
                handle.dispose()
            }
        }
    }

    private companion object {
        const val WAITING = 0
        const val FIRED = 1
        const val DISPOSING = 2
        const val DISPOSED = 3
    }
}
