package dev.kaio.queue

import dev.kaio.sync.lincheckOptions
import org.jetbrains.lincheck.datastructures.IntGen
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Param
import org.junit.jupiter.api.Test

/** Linearizability of a fifo queue of capacity 2: suspending put/get, try forms, task accounting. */
@Param(name = "item", gen = IntGen::class, conf = "1:3")
internal class FifoQueueLincheckTest {
    private val q = AsyncQueue.fifo<Int>(2)

    @Operation
    suspend fun put(@Param(name = "item") item: Int) = q.put(item)

    @Operation
    suspend fun get() = q.get()

    @Operation
    fun tryPut(@Param(name = "item") item: Int) = q.tryPut(item)

    @Operation
    fun tryGet() = q.tryGet()

    @Operation
    fun taskDone() = runCatching { q.taskDone() }.isSuccess

    @Operation
    fun size() = q.size

    @Test
    fun modelChecking() = lincheckOptions().check(this::class)
}

/** Linearizability of a priority queue of capacity 2 (natural order). */
@Param(name = "item", gen = IntGen::class, conf = "1:3")
internal class PriorityQueueLincheckTest {
    private val q = AsyncQueue.priority<Int>(2)

    @Operation
    suspend fun put(@Param(name = "item") item: Int) = q.put(item)

    @Operation
    suspend fun get() = q.get()

    @Operation
    fun tryPut(@Param(name = "item") item: Int) = q.tryPut(item)

    @Operation
    fun tryGet() = q.tryGet()

    @Operation
    fun shutdown() = q.shutdown()

    @Test
    fun modelChecking() = lincheckOptions().check(this::class)
}
