package dev.kaio

import dev.kaio.queue.AsyncQueue
import kotlin.random.Random
import kotlin.test.Test
import java.util.concurrent.Executors
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Delay
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/**
 * `timeout { queue.get() }` on a multi-threaded dispatcher, with the item put at a random moment
 * around the deadline, so that the timer fires on one thread while the block takes the item on
 * another. Whatever happens, the item is never lost: either the timeout returns it, or it times out
 * and the item is still in the queue. (Before the fix, a deadline that fired while the block was
 * returning the item turned into DeadlineExceededException and the item was gone.)
 *
 * Both kinds of timer run: `Dispatchers.Default` cannot schedule, so the deadline waits in Kaio's
 * shared set and fires on its `kaio-timer` thread; a scheduled pool's dispatcher can (kotlinx's
 * `Delay`), so the timer is a callback that the pool runs on one of its threads.
 */
@OptIn(InternalCoroutinesApi::class)
internal class TimeoutRaceTest {
    @Test
    fun anItemTakenAsTheDeadlinePassesIsNeverLostWithTheSharedTimer() {
        assertFalse(Dispatchers.Default is Delay)
        runBlocking(Dispatchers.Default) { takeItemsAroundTheDeadline() }
    }

    @Test
    fun anItemTakenAsTheDeadlinePassesIsNeverLostWithAScheduledTimer() {
        val pool = Executors.newScheduledThreadPool(2)
        try {
            val dispatcher = pool.asCoroutineDispatcher()
            assertTrue(dispatcher is Delay)
            runBlocking(dispatcher) { takeItemsAroundTheDeadline() }
        } finally {
            pool.shutdownNow()
        }
    }

    @Test
    fun aBlockThatNeverSuspendsAfterTheDeadlineFiredKeepsItsValue() = runBlocking(Dispatchers.Default) {
        val value = timeout(1.milliseconds) { handle ->
            spinUntil { handle.expired } // the timer fires on another thread while the block runs
            "kept"
        }
        assertEquals("kept", value)
    }

    @Test
    fun butOneWhoseChildTheDeadlineCutTimesOutEvenIfTheChildEndedFirst() = runBlocking(Dispatchers.Default) {
        val childCut = CompletableDeferred<Boolean>()
        assertFailsWith<DeadlineExceededException> {
            timeout(1.milliseconds) { handle ->
                val child = launch(start = CoroutineStart.UNDISPATCHED) { // in its delay when the deadline fires
                    try { delay(10.seconds) } catch (e: CancellationException) { childCut.complete(true); throw e }
                }
                spinUntil { handle.expired && child.isCompleted }
                "not kept: the child's work was cut"
            }
        }
        assertTrue(childCut.isCompleted)
    }

    @Test
    fun andSoDoesOneWhoseChildWasRunningWhenTheDeadlineCutIt() = runBlocking(Dispatchers.Default) {
        val childCut = CompletableDeferred<Boolean>()
        assertFailsWith<DeadlineExceededException> {
            timeout(1.milliseconds) {
                val child = launch(start = CoroutineStart.UNDISPATCHED) {
                    spinUntil { !isActive } // the deadline fires while the child runs
                    // Meets the cancellation without suspending: no resumption tells the timeout.
                    try { delay(10.seconds) } catch (e: CancellationException) { childCut.complete(true); throw e }
                }
                spinUntil { child.isCompleted }
                "not kept: the child's work was cut"
            }
        }
        assertTrue(childCut.isCompleted)
    }

    private fun spinUntil(condition: () -> Boolean) {
        val guard = System.nanoTime() + 10.seconds.inWholeNanoseconds
        while (!condition()) {
            check(System.nanoTime() < guard) { "condition not met within 10 s" }
            Thread.onSpinWait()
        }
    }

    /*
     * The deadline is 1 ms (timers have millisecond granularity, as kotlinx's), and the item is put
     * between 0.5 and 2.5 ms after the put's coroutine starts: about a tenth of the rounds land
     * within 100 µs of the deadline, and both outcomes occur unless every timer of 2,000 fires
     * more than 1.5 ms late or every put is that late.
     */
    private suspend fun takeItemsAroundTheDeadline() = coroutineScope {
        val random = Random(3)
        var timedOut = 0
        val rounds = 2_000
        repeat(rounds) { round ->
            val queue = AsyncQueue.fifo<Int>()
            val spin = random.nextLong(500_000, 2_500_000)
            launch {
                val until = System.nanoTime() + spin
                while (System.nanoTime() < until) Thread.onSpinWait()
                queue.put(round)
            }
            val got = try {
                timeout(1.milliseconds) { queue.get() }
            } catch (e: DeadlineExceededException) {
                timedOut++
                null
            }
            // A lost item would leave this get waiting until the guard fails the test.
            assertEquals(round, got ?: withTimeout(10.seconds) { queue.get() }, "round $round")
        }
        assertTrue(timedOut in 1 until rounds, "both outcomes should occur: $timedOut timeouts of $rounds")
    }
}
