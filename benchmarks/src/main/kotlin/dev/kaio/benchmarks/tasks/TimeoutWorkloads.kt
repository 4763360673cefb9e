package dev.kaio.benchmarks.tasks

import dev.kaio.EventLoop
import dev.kaio.timeout
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * N timeouts one after the other, each around a block that suspends once and returns before its
 * deadline: Kaio's `timeout` against raw kotlinx's `withTimeout` on runBlocking's event loop and on
 * `Dispatchers.Default`, and Kaio's `timeout` in an `EventLoop` (which keeps its deadlines in a
 * TimerSet). The Java side is in TimeoutBenchmark.
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
    fun kaioKotlinOnDefault(timeouts: Int): Int = runBlocking(Dispatchers.Default) {
        var sum = 0
        repeat(timeouts) { i -> sum += timeout(LIMIT) { yield(); i } }
        sum
    }

    @JvmStatic
    fun rawKotlinxOnDefault(timeouts: Int): Int = runBlocking(Dispatchers.Default) {
        var sum = 0
        repeat(timeouts) { i -> sum += withTimeout(LIMIT) { yield(); i } }
        sum
    }

    @JvmStatic
    fun rawKotlinx(timeouts: Int): Int = runBlocking {
        var sum = 0
        repeat(timeouts) { i -> sum += withTimeout(LIMIT) { yield(); i } }
        sum
    }
}
