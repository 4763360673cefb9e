package dev.kaio.benchmarks.tasks

import dev.kaio.gather
import dev.kaio.interop.awaitBorrowed
import dev.kaio.interop.runAsLoop
import dev.kaio.java.Tasks
import java.util.concurrent.CompletionStage
import java.util.function.Supplier
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

    /**
     * The Java facade's `Tasks.gather` inside a loop bound to the benchmark thread (runBlocking),
     * so that the figure holds the facade's per-task cost without starting a loop thread per call.
     */
    @JvmStatic
    fun kaioJavaOnCallerThread(suppliers: List<Supplier<CompletionStage<Int>>>): Int = runBlocking {
        runAsLoop { Tasks.gather(suppliers).awaitBorrowed().size }
    }

    @JvmStatic
    fun rawKotlinx(tasks: Int): Int = runBlocking {
        List(tasks) { i -> async { i } }.awaitAll().size
    }
}
