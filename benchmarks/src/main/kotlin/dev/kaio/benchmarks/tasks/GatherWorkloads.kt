package dev.kaio.benchmarks.tasks

import dev.kaio.gather
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking

/**
 * Spawn and gather N no-op tasks, on one thread (runBlocking's event loop), through Kaio's Kotlin
 * API and through raw kotlinx.coroutines. The Java side is in GatherBenchmark.
 */
object GatherWorkloads {
    @JvmStatic
    fun kaioKotlin(tasks: Int): Int = runBlocking {
        val blocks = List<suspend CoroutineScope.() -> Int>(tasks) { i -> { i } }
        gather(blocks).size
    }

    @JvmStatic
    fun rawKotlinx(tasks: Int): Int = runBlocking {
        List(tasks) { i -> async { i } }.awaitAll().size
    }
}
