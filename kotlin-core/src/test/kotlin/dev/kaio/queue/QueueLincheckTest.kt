package dev.kaio.queue

import dev.kaio.sync.lincheckOptions
import org.jetbrains.lincheck.datastructures.IntGen
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Param
import org.jetbrains.lincheck.datastructures.scenario
import org.junit.jupiter.api.Test

/** Linearizability of a fifo queue of capacity 2: suspending put/get, try forms, task accounting and join. */
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

    // taskDone counts down without the monitor while the count stays above zero: join and the
    // count itself must still behave as one atomic counter.
    @Operation
    suspend fun join() = q.join()

    @Operation
    fun unfinishedTasks() = q.unfinishedTasks

    @Operation
    fun size() = q.size

    @Test
    fun modelChecking() = lincheckOptions().check(this::class)
}

/**
 * Linearizability of a fifo queue of capacity 3 on a ring of 2 cells, whose count spills out of
 * the queue's word beyond 3 unfinished tasks: the third item goes to the overflow list under the
 * monitor, and items move from there into the ring as gets free cells, while lock-free puts and gets
 * run whenever neither the overflow nor the spilled count needs the monitor.
 */
@Param(name = "item", gen = IntGen::class, conf = "1:3")
internal class FifoOverflowLincheckTest {
    private val q = QueueImpl.fifo<Int>(3, ringLength = 2, spillAt = 4)

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
    fun unfinishedTasks() = q.unfinishedTasks

    @Operation
    fun size() = q.size

    @Test
    fun modelChecking() = lincheckOptions().actorsBefore(3).check(this::class)
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

/**
 * Linearizability of task accounting alone (put, tryPut, tryGet, taskDone, join, the count, an
 * immediate shutdown that drops items), so that random scenarios meet the counting races often.
 * taskDone counts without the monitor, and the custom scenarios are the races that this gets wrong
 * when done naively: a taskDone that brings the count to zero, racing with a put and a join that must then
 * wait for the new item; and with a join that waited for that zero and must not wait for the next.
 */
@Param(name = "item", gen = IntGen::class, conf = "1:3")
internal class QueueJoinLincheckTest {
    private val q = AsyncQueue.fifo<Int>(2)

    @Operation
    suspend fun put(@Param(name = "item") item: Int) = q.put(item)

    @Operation
    fun tryPut(@Param(name = "item") item: Int) = q.tryPut(item)

    @Operation
    fun tryGet() = q.tryGet()

    @Operation
    fun taskDone() = runCatching { q.taskDone() }.isSuccess

    @Operation
    suspend fun join() = q.join()

    @Operation
    fun unfinishedTasks() = q.unfinishedTasks

    @Operation
    fun shutdownImmediately() = q.shutdown(immediate = true)

    @Test
    fun modelChecking() = lincheckOptions()
        .addCustomScenario(taskDoneRacing(joinFirst = false))
        .addCustomScenario(taskDoneRacing(joinFirst = true))
        .check(this::class)

    private companion object {
        /**
         * One item put and taken; then a taskDone that brings the count to zero, racing with a
         * second thread that puts another item and joins, in the order [joinFirst] gives.
         */
        fun taskDoneRacing(joinFirst: Boolean) = scenario {
            initial {
                actor(QueueJoinLincheckTest::tryPut, 1)
                actor(QueueJoinLincheckTest::tryGet)
            }
            parallel {
                thread { actor(QueueJoinLincheckTest::taskDone) }
                thread {
                    if (joinFirst) actor(QueueJoinLincheckTest::join)
                    actor(QueueJoinLincheckTest::tryPut, 2)
                    if (!joinFirst) actor(QueueJoinLincheckTest::join)
                }
            }
        }
    }
}
