package dev.kaio

import dev.kaio.queue.AsyncQueue
import kotlin.random.Random
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.microseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/**
 * `timeout { queue.get() }` on `Dispatchers.Default`, with the item put at a random moment around
 * the deadline, so that the timer fires on one thread while the block takes the item on another.
 * Whatever happens, the item is never lost: either the timeout returns it, or it times out and the
 * item is still in the queue. (Before the fix, a deadline that fired while the block was returning
 * the item turned into DeadlineExceededException and the item was gone.)
 */
internal class TimeoutRaceTest {
    @Test
    fun anItemTakenAsTheDeadlinePassesIsNeverLost() = runBlocking(Dispatchers.Default) {
        val random = Random(3)
        var timedOut = 0
        repeat(20_000) { round ->
            val queue = AsyncQueue.fifo<Int>()
            val spin = random.nextLong(100_000)
            launch {
                val until = System.nanoTime() + spin
                while (System.nanoTime() < until) Thread.onSpinWait()
                queue.put(round)
            }
            val got = try {
                timeout(50.microseconds) { queue.get() }
            } catch (e: DeadlineExceededException) {
                timedOut++
                null
            }
            // A lost item would leave this get waiting until the guard fails the test.
            assertEquals(round, got ?: withTimeout(10.seconds) { queue.get() }, "round $round")
        }
        assertTrue(timedOut in 1 until 20_000, "both outcomes should occur: $timedOut timeouts")
    }
}
