package dev.kaio.benchmarks.tasks

import dev.kaio.EventLoop
import dev.kaio.gather
import dev.kaio.interop.awaitBorrowed
import dev.kaio.interop.runAsLoop
import dev.kaio.java.Tasks
import dev.kaio.spawn
import java.util.concurrent.CompletionStage
import java.util.function.Supplier
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.supervisorScope

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

    /**
     * N `spawn`s awaited together inside an `EventLoop`, in its main task: a failure would cancel
     * main, so no spawn is watched for the unretrieved-failure warning. Includes starting and
     * stopping the loop thread, as `kaioJava` does.
     */
    @JvmStatic
    fun kaioKotlinSpawnInLoop(tasks: Int): Int = EventLoop.run {
        List(tasks) { i -> spawn { i } }.awaitAll().size
    }

    /**
     * The same under `supervisorScope`, where a failure stays in its `Deferred` and could be lost:
     * these spawns are watched for the unretrieved-failure warning.
     */
    @JvmStatic
    fun kaioKotlinSpawnOnSupervisorInLoop(tasks: Int): Int = EventLoop.run {
        supervisorScope { List(tasks) { i -> spawn { i } }.awaitAll().size }
    }

    /** The same with raw kotlinx `async` in an `EventLoop`: the loop's cost without Kaio's spawn. */
    @JvmStatic
    fun rawKotlinxInLoop(tasks: Int): Int = EventLoop.run {
        List(tasks) { i -> async { i } }.awaitAll().size
    }

    @JvmStatic
    fun rawKotlinx(tasks: Int): Int = runBlocking {
        List(tasks) { i -> async { i } }.awaitAll().size
    }
}
