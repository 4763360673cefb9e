package dev.kaio.benchmarks.tasks

import dev.kaio.EventLoop
import dev.kaio.timeout
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * N timeouts one after the other on one thread (runBlocking's event loop), each around a block
 * that suspends once and returns before its deadline: Kaio's `timeout` and raw kotlinx's
 * `withTimeout`, and Kaio's `timeout` in an `EventLoop` (whose loop keeps the deadlines itself,
 * LoopTimers). The Java side is in TimeoutBenchmark.
 */
object TimeoutWorkloads {
    private val LIMIT = 10.seconds

    @JvmStatic
    fun kaioKotlin(timeouts: Int): Int = runBlocking {
        var sum = 0
        repeat(timeouts) { i -> sum += timeout(LIMIT) { yield(); i } }
        sum
    }

    @JvmStatic
    fun kaioKotlinInEventLoop(timeouts: Int): Int = EventLoop.run {
        var sum = 0
        repeat(timeouts) { i -> sum += timeout(LIMIT) { yield(); i } }
        sum
    }

    @JvmStatic
    fun rawKotlinx(timeouts: Int): Int = runBlocking {
        var sum = 0
        repeat(timeouts) { i -> sum += withTimeout(LIMIT) { yield(); i } }
        sum
    }
}
