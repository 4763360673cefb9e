package dev.kaio.benchmarks.offload

import dev.kaio.benchmarks.tasks.GatherWorkloads
import dev.kaio.debug.SlowStepDetector
import dev.kaio.gather
import kotlin.coroutines.ContinuationInterceptor
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext

/**
 * The task benchmark of the foundation issue (spawn and gather N no-op tasks on runBlocking's
 * loop, [GatherWorkloads.kaioKotlin]) with runBlocking's loop dispatcher wrapped by a
 * [SlowStepDetector], as `EventLoop.run(debug = true)` does.
 */
object SlowStepWorkloads {
    private val detector = SlowStepDetector()

    /** [GatherWorkloads.kaioKotlin], unchanged: the figure without the detector. */
    @JvmStatic
    fun withoutDetector(tasks: Int): Int = GatherWorkloads.kaioKotlin(tasks)

    /** The same body on the same loop, every step of it watched. */
    @JvmStatic
    fun withDetector(tasks: Int): Int = runBlocking {
        val loop = coroutineContext[ContinuationInterceptor] as CoroutineDispatcher
        withContext(detector.wrap(loop)) {
            val blocks = List<suspend CoroutineScope.() -> Int>(tasks) { i -> { i } }
            gather(blocks).size
        }
    }
}
